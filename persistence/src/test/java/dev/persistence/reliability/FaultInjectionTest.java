package dev.persistence.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.persistence.AtomicOutputStream;
import dev.persistence.LockManager;
import dev.persistence.PersistenceClient;
import dev.persistence.reliability.FaultyFileSystem.Fault;

/**
 * Every step of a write failing in turn, on real files: the original error is thrown, the
 * target keeps its old content (or, when only the final directory fsync fails, has the new
 * one), no temp file is left, and no lock is held.
 */
class FaultInjectionTest {

    private static int faultsInjected;

    @TempDir
    Path realDir;

    private final FaultyFileSystem fs = new FaultyFileSystem();
    private final LockManager manager = LockManager.create();
    private final PersistenceClient client = PersistenceClient.builder(manager).durable(true).build();
    private Path dir;
    private Path file;

    @BeforeEach
    void oldContent() throws IOException {
        dir = fs.wrap(realDir);
        file = dir.resolve("doc.json");
        client.writeString(file, "old");
    }

    @AfterEach
    void nothingLeftBehind() throws IOException {
        faultsInjected += fs.injected.get();
        assertTrue(manager.stats().idle(), "lock left held: " + manager.stats());
        try (Stream<Path> files = Files.list(realDir)) {
            assertEquals(List.of("doc.json"), files.map(p -> p.getFileName().toString()).toList(), "temp file left");
        }
    }

    @AfterAll
    static void report() {
        System.out.println("faults injected: " + faultsInjected);
    }

    @ParameterizedTest
    @EnumSource(value = Fault.class, names = {"WRITE", "FORCE_FILE", "MOVE"})
    void aFailureBeforeTheRenameKeepsTheOldContent(Fault fault) throws IOException {
        fs.arm(fault);
        IOException thrown = assertThrows(IOException.class, () -> client.writeString(file, "new"));
        assertTrue(thrown.getMessage().startsWith("Injected " + fault), "not the original error: " + thrown);
        fs.disarm();
        assertEquals("old", client.readString(file));
    }

    @ParameterizedTest
    @EnumSource(value = Fault.class, names = {"WRITE", "FORCE_FILE", "MOVE"})
    void aStreamFailureKeepsTheOldContent(Fault fault) throws IOException {
        AtomicOutputStream out = client.newOutputStream(file);
        fs.arm(fault);
        IOException thrown = assertThrows(IOException.class, () -> {
            out.write("new".getBytes(StandardCharsets.UTF_8));
            out.commit();
        });
        assertTrue(thrown.getMessage().contains("Injected " + fault)
                        || String.valueOf(thrown.getCause()).contains("Injected " + fault),
                "not the original error: " + thrown);
        fs.disarm();
        out.close();
        assertEquals("old", client.readString(file));
    }

    @Test
    void aFailingFinalDirectoryFsyncThrowsWithTheNewContentInPlace() throws IOException {
        fs.arm(Fault.FORCE_DIRECTORY);
        IOException thrown = assertThrows(IOException.class, () -> client.writeString(file, "new"));
        assertTrue(thrown.getMessage().startsWith("Injected FORCE_DIRECTORY"), thrown.toString());
        fs.disarm();
        assertEquals("new", client.readString(file), "the rename had happened: the new content is in place");
    }

    @Test
    void aFailingCleanupNeverReplacesTheOriginalError() throws IOException {
        fs.arm(Fault.MOVE);
        fs.arm(Fault.DELETE);
        IOException thrown = assertThrows(IOException.class, () -> client.writeString(file, "new"));
        assertTrue(thrown.getMessage().startsWith("Injected MOVE"), "cleanup error replaced the original: " + thrown);
        assertEquals(1, thrown.getSuppressed().length);
        assertTrue(thrown.getSuppressed()[0].getMessage().startsWith("Injected DELETE"));
        fs.disarm();
        assertEquals("old", client.readString(file));
        assertEquals(1, client.recover(dir), "the temp file the failed cleanup left is recoverable");
    }

    @Test
    void aFullDiskFailsTheWriteAndTheNextWriteThatFitsSucceeds() throws IOException {
        fs.fillUpAfter(1000);
        byte[] big = new byte[4096];
        IOException thrown = assertThrows(IOException.class, () -> client.write(file, big));
        assertTrue(thrown.getMessage().startsWith("No space left on device"), thrown.toString());
        assertEquals("old", client.readString(file));
        client.write(file, new byte[500]);
        fs.disarm();
        assertArrayEquals(new byte[500], client.read(file));
    }

    @Test
    void aFailedDeleteOrMoveHoldsNoLock() throws IOException {
        fs.arm(Fault.DELETE);
        assertThrows(IOException.class, () -> client.delete(file));
        fs.disarm();
        fs.arm(Fault.MOVE);
        assertThrows(IOException.class, () -> client.move(file, dir.resolve("moved.json")));
        fs.disarm();
        assertEquals("old", client.readString(file));
        assertFalse(Files.exists(realDir.resolve("moved.json")));
    }
}
