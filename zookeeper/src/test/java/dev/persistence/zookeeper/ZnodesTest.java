package dev.persistence.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.persistence.LockMode;
import dev.persistence.spi.PathRules;

/** The znode layout: every lockable path round-trips, and entry names parse back to what made them. */
class ZnodesTest {

    private final Znodes znodes = new Znodes("/base");

    @Test
    void everyLockablePathRoundTripsThroughValidZnodeNames() {
        Random random = new Random(11);
        for (int i = 0; i < 2_000; i++) {
            StringBuilder text = new StringBuilder();
            for (int segment = random.nextInt(6); segment >= 0; segment--) {
                text.append('/');
                for (int c = random.nextInt(1, 12); c > 0; c--) {
                    int codePoint;
                    do {
                        codePoint = random.nextInt(4) == 0 ? random.nextInt(0x20, 0x2FFFF)
                                : "\n-_.%r i W 0".charAt(random.nextInt(12));
                    } while (codePoint == '/' || (codePoint >= 0xD800 && codePoint <= 0xDFFF) || codePoint == 0);
                    text.appendCodePoint(codePoint);
                }
            }
            Path path;
            try {
                path = PathRules.requireLockable(Path.of(text.toString()), LockMode.READ);
            } catch (IllegalArgumentException refused) {
                continue; // "." and ".." segments: not lockable
            }
            String node = znodes.node(path);
            assertEquals(path, znodes.path(node), "round trip of " + text.toString().replace("\n", "\\n"));
            for (String name : node.substring(1).split("/")) {
                assertTrue(name.matches("[A-Za-z0-9_-]+"), "znode name " + name);
            }
        }
    }

    @Test
    void entriesPutRealEntriesOnThePathsAndIntentionsAboveThemButOnTheRoot() {
        Map<String, Integer> entries = znodes.entries(List.of(Path.of("/a/b"), Path.of("/a/b/c"), Path.of("/a/x")),
                LockMode.WRITE);
        assertNull(entries.get(znodes.node(Path.of("/"))), "no intention on a root: only a READ of it is on it");
        assertEquals(PathRules.IW, entries.get(znodes.node(Path.of("/a"))));
        assertEquals(PathRules.W, entries.get(znodes.node(Path.of("/a/b"))),
                "a real entry stands where an intention would too");
        assertEquals(PathRules.W, entries.get(znodes.node(Path.of("/a/x"))));
        assertEquals(4, entries.size());
        assertEquals(znodes.node(Path.of("/a/b")), entries.keySet().iterator().next(), "the first path's real entry first");
    }

    @Test
    void aReadOfTheRootIsTheOneEntryOnIt() {
        Map<String, Integer> entries = znodes.entries(List.of(Path.of("/a"), Path.of("/")), LockMode.READ);
        assertEquals(Map.of(znodes.node(Path.of("/a")), PathRules.R, znodes.node(Path.of("/")), PathRules.R), entries);
        assertTrue(znodes.isRoot(znodes.node(Path.of("/"))));
        assertFalse(znodes.isRoot(znodes.node(Path.of("/a"))));
    }

    @Test
    void entryNamesParseBackAndForeignNamesAreIgnored() {
        String id = "0123456789abcdef0123456789abcdef";
        String prefix = Znodes.entryPrefix(znodes.node(Path.of("/a")), PathRules.IR, id);
        String name = prefix.substring(prefix.lastIndexOf('/') + 1) + "0000000042";
        Znodes.Entry entry = Znodes.parse(name);
        assertEquals(new Znodes.Entry(name, PathRules.IR, id, 42), entry);
        assertNull(Znodes.parse("lock-W-" + id + "-0000000001"));
        assertNull(Znodes.parse("W-short-0000000001"));
        assertNull(Znodes.parse("W-" + id + "-notanumber"));
    }
}
