package dev.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PersistenceClient#resolve}: paths built from untrusted segments name exactly one entry
 * under the root, and every value that is not one segment is refused the way {@code @Locked}
 * refuses a placeholder's value (same type, same reason, a public message naming no path).
 */
class ResolveTest {

    /** One of each kind of value that is not one path segment. */
    static final List<String> NOT_SEGMENTS = Arrays.asList(null, "", ".", "..", "a/b", "/a", "a/", "a\\b", "nul\0",
            "line\nbreak", "tab\tbed", "del\u007f", "sep\u2028arator", "para\u2029graph");

    @TempDir
    Path root;

    @Test
    void segmentsResolveUnderTheRoot() {
        PersistenceClient client = PersistenceClient.builder(LockManager.create()).root(root).build();
        assertEquals(root, client.resolve());
        assertEquals(root.resolve("orders").resolve("42.json"), client.resolve("orders", "42.json"));
        assertEquals(root.resolve("..x").resolve("a b").resolve("ünï"), client.resolve("..x", "a b", "ünï"));
    }

    @Test
    void eachValueThatIsNotOneSegmentIsRefusedInEveryPosition() throws Exception {
        PersistenceClient client = PersistenceClient.builder(LockManager.create()).root(root).build();
        for (String bad : NOT_SEGMENTS) {
            for (String[] segments : List.of(new String[] { bad }, new String[] { "orders", bad }, new String[] { bad, "x" })) {
                LockedPathValueException refused = assertThrows(LockedPathValueException.class,
                        () -> client.resolve(segments), Arrays.toString(segments));
                assertEquals(PathRefusedException.Reason.NOT_A_SEGMENT, refused.reason());
                assertTrue(refused.getMessage().contains("segment " + Arrays.asList(segments).indexOf(bad)),
                        refused.getMessage());
                assertFalse(refused.publicMessage().contains(root.toString()), refused.publicMessage());
                assertFalse(refused.getMessage().contains("\n") || refused.getMessage().contains("\0"),
                        "control characters are escaped: " + refused.getMessage());
            }
        }
        try (var entries = Files.list(root)) {
            assertEquals(0, entries.count(), "a refusal touches nothing");
        }
    }

    @Test
    void aClientWithoutARootCannotResolve() {
        PersistenceClient client = PersistenceClient.builder(LockManager.create()).build();
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> client.resolve("orders"));
        assertTrue(refused.getMessage().contains("no"), refused.getMessage());
    }
}
