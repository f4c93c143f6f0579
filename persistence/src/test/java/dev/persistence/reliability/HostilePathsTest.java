package dev.persistence.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import dev.persistence.DeleteOption;
import dev.persistence.LockManager;
import dev.persistence.PathRefusedException;
import dev.persistence.PathRefusedException.Reason;
import dev.persistence.PersistenceClient;
import dev.persistence.SymbolicLinkRefusedException;

/**
 * A client confined to a root, fed paths meant to escape it: every one is refused, and the
 * files outside the root are untouched.
 */
class HostilePathsTest {

    @TempDir
    Path base;

    private Path root;
    private Path outside;
    private Path secret;
    private final LockManager manager = LockManager.create();
    private PersistenceClient client;
    private int tried;

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createDirectory(base.resolve("root"));
        outside = Files.createDirectory(base.resolve("outside"));
        secret = Files.writeString(outside.resolve("secret"), "untouched");
        client = PersistenceClient.builder(manager).root(root).build();
    }

    @AfterEach
    void outsideUntouched() throws Exception {
        assertEquals("untouched", Files.readString(secret));
        try (Stream<Path> files = Files.list(outside)) {
            assertEquals(List.of("secret"), files.map(p -> p.getFileName().toString()).toList());
        }
        assertTrue(manager.stats().idle());
        System.out.println(getClass().getSimpleName() + ": hostile inputs tried: " + tried);
    }

    @Test
    void lexicalEscapesAreRefusedBeforeAnythingIsTouched() {
        for (String hostile : List.of("../outside/secret", "./x", "a/../../outside/secret", "a/./b")) {
            Path path = Path.of(root + "/" + hostile);
            refused(Reason.NOT_NORMAL, () -> client.writeString(path, "pwned"));
            refused(Reason.NOT_NORMAL, () -> client.read(path));
            refused(Reason.NOT_NORMAL, () -> client.newInputStream(path));
            refused(Reason.NOT_NORMAL, () -> client.newOutputStream(path));
            refused(Reason.NOT_NORMAL, () -> client.collect(path));
            refused(Reason.NOT_NORMAL, () -> client.delete(path, DeleteOption.RECURSIVE));
            refused(Reason.NOT_NORMAL, () -> client.move(path, root.resolve("moved")));
            refused(Reason.NOT_NORMAL, () -> client.move(root.resolve("x"), path));
            refused(Reason.NOT_NORMAL, () -> client.recover(path));
        }
        refused(Reason.NOT_ABSOLUTE, () -> client.writeString(Path.of("relative/file"), "x"));
        refused(Reason.NOT_ABSOLUTE, () -> client.read(Path.of("relative/file")));
        refused(Reason.OUTSIDE_ROOT, () -> client.writeString(secret, "pwned"));
        refused(Reason.OUTSIDE_ROOT, () -> client.read(secret));
        refused(Reason.OUTSIDE_ROOT, () -> client.move(secret, root.resolve("stolen")));
        refused(Reason.OUTSIDE_ROOT, () -> client.move(root.resolve("x"), secret));
        refused(Reason.OUTSIDE_ROOT, () -> client.recover(base));
        refused(Reason.TEMP_NAME, () -> client.writeString(root.resolve(".a.0123456789abcdef.persistence.tmp"), "x"));
        refused(InvalidPathException.class, () -> client.writeString(Path.of(root + "/nul\0byte"), "x"));
    }

    @Test
    void symbolicLinksAreNeverFollowedOutOfTheRoot() throws Exception {
        Files.createSymbolicLink(root.resolve("dir-link"), outside);
        Files.createSymbolicLink(root.resolve("file-link"), secret);
        for (Path hostile : List.of(root.resolve("dir-link/secret"), root.resolve("dir-link/new"),
                root.resolve("file-link"), root.resolve("dir-link"))) {
            refused(Reason.SYMBOLIC_LINK, () -> client.writeString(hostile, "pwned"));
            refused(Reason.SYMBOLIC_LINK, () -> client.read(hostile));
            refused(Reason.SYMBOLIC_LINK, () -> client.newInputStream(hostile));
            refused(Reason.SYMBOLIC_LINK, () -> client.newOutputStream(hostile));
            refused(Reason.SYMBOLIC_LINK, () -> client.write(hostile, out -> out.write(1)));
            refused(Reason.SYMBOLIC_LINK, () -> client.delete(hostile, DeleteOption.RECURSIVE));
            refused(Reason.SYMBOLIC_LINK, () -> client.move(hostile, root.resolve("moved")));
            refused(Reason.SYMBOLIC_LINK, () -> client.move(root.resolve("kept"), hostile));
            refused(Reason.SYMBOLIC_LINK, () -> client.recover(hostile));
        }
        refused(Reason.SYMBOLIC_LINK, () -> client.collect(root.resolve("dir-link"), true));
        assertTrue(Files.isDirectory(root), "the root is gone");
        assertTrue(Files.isSymbolicLink(root.resolve("file-link")), "a refused delete removed the link");
    }

    @Test
    void theRootIsNeverWrittenReplacedMovedOrDeleted() throws Exception {
        client.writeString(root.resolve("kept"), "inside");
        refused(Reason.DATA_ROOT, () -> client.writeString(root, "a file instead of the root"));
        refused(Reason.DATA_ROOT, () -> client.write(root, out -> out.write(1)));
        refused(Reason.DATA_ROOT, () -> client.newOutputStream(root));
        refused(Reason.DATA_ROOT, () -> client.delete(root, DeleteOption.RECURSIVE));
        refused(Reason.DATA_ROOT, () -> client.delete(root));
        refused(Reason.DATA_ROOT, () -> client.move(root, root.resolve("sub")));
        refused(Reason.DATA_ROOT, () -> client.move(root.resolve("kept"), root));
        assertTrue(Files.isDirectory(root));
        assertEquals("inside", Files.readString(root.resolve("kept")));
        assertEquals(List.of("kept"), client.collect(root), "the root can still be listed");
    }

    /**
     * A root whose parents do not exist yet is created with them on first use (the operator's
     * own setting, as a database creates its data directory), while request paths stay confined:
     * a refused request creates nothing, not even the root.
     */
    @Test
    void aMissingRootIsCreatedWithItsParentsAndRefusedRequestsCreateNothing() throws Exception {
        Path absent = base.resolve("absent");
        Path deepRoot = absent.resolve("deeper/root");
        PersistenceClient deep = PersistenceClient.builder(manager).root(deepRoot).build();
        refused(Reason.DATA_ROOT, () -> deep.writeString(deepRoot, "x"));
        refused(Reason.OUTSIDE_ROOT, () -> deep.writeString(absent.resolve("deeper/f"), "x"));
        refused(Reason.NOT_NORMAL, () -> deep.writeString(Path.of(deepRoot + "/../f"), "x"));
        refused(Reason.OUTSIDE_ROOT, () -> deep.move(secret, deepRoot.resolve("stolen")));
        assertFalse(Files.exists(absent), "a refused request created something");
        deep.writeString(deepRoot.resolve("d/f"), "x");
        assertEquals("x", Files.readString(deepRoot.resolve("d/f")), "a missing root and its parents are created");
        try (Stream<Path> created = Files.walk(absent)) {
            assertEquals(List.of("", "deeper", "deeper/root", "deeper/root/d", "deeper/root/d/f"),
                    created.map(p -> absent.relativize(p).toString()).sorted().toList(), "created beside the root");
        }
    }

    @Test
    void aMoveIntoItsOwnSubtreeIsRefusedBeforeAnythingIsCreated() throws Exception {
        client.writeString(root.resolve("a/f"), "x");
        refused(Reason.MOVE_INTO_ITSELF, () -> client.move(root.resolve("a"), root.resolve("a/b/c")));
        refused(Reason.MOVE_INTO_ITSELF, () -> client.move(root.resolve("a/f"), root.resolve("a/f/g")));
        refused(Reason.MOVE_INTO_ITSELF, () -> client.move(root.resolve("a/f"), root.resolve("a")));
        assertEquals(List.of("a", "a/f"), client.collect(root, true), "something was created or moved");
    }

    @Test
    void longNamesAndTrailingSlashesBehaveLikeTheFilesystem() throws Exception {
        client.writeString(root.resolve("n".repeat(255)), "longest name that fits");
        refused(FileSystemException.class, () -> client.writeString(root.resolve("n".repeat(256)), "x"));
        client.writeString(Path.of(root + "/slash/"), "same file");
        assertEquals("same file", client.readString(Path.of(root + "/slash")));
        tried += 2;
        try (Stream<Path> files = Files.list(root)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")));
        }
    }

    private void refused(Class<? extends Throwable> expected, Executable call) {
        tried++;
        assertThrows(expected, call);
    }

    /**
     * A refusal a REST mapper can target: a {@link PathRefusedException}, or a
     * {@link SymbolicLinkRefusedException} for a link found on disk, with the reason expected and a
     * public message that names no path.
     */
    private void refused(Reason expected, Executable call) {
        tried++;
        Throwable thrown = assertThrows(Throwable.class, call);
        Reason reason;
        String publicMessage;
        if (thrown instanceof PathRefusedException refusal) {
            reason = refusal.reason();
            publicMessage = refusal.publicMessage();
        } else if (thrown instanceof SymbolicLinkRefusedException refusal) {
            reason = refusal.reason();
            publicMessage = refusal.publicMessage();
        } else {
            throw new AssertionError("not a typed refusal", thrown);
        }
        assertEquals(expected, reason, thrown.toString());
        assertFalse(publicMessage.contains("/") || publicMessage.contains(base.getFileName().toString()),
                "the public message names a path: " + publicMessage);
    }
}
