package dev.persistence.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.persistence.AtomicOutputStream;
import dev.persistence.LockManager;
import dev.persistence.PersistenceClient;
import dev.persistence.reliability.FaultyFileSystem.Fault;
import dev.persistence.testsupport.Await;

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
    @EnumSource(value = Fault.class, names = { "WRITE", "FORCE_FILE", "MOVE" })
    void aFailureBeforeTheRenameKeepsTheOldContent(Fault fault) throws IOException {
        fs.arm(fault);
        IOException thrown = assertThrows(IOException.class, () -> client.writeString(file, "new"));
        assertTrue(thrown.getMessage().startsWith("Injected " + fault), "not the original error: " + thrown);
        fs.disarm();
        assertEquals("old", client.readString(file));
    }

    @ParameterizedTest
    @EnumSource(value = Fault.class, names = { "WRITE", "FORCE_FILE", "MOVE" })
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

    /**
     * A stream whose write failed already knows nothing can be committed: closing it discards
     * without the complaint about a missing commit, so only the write's own error is seen.
     */
    @Test
    void aStreamWhoseWriteFailedDiscardsSilentlyOnClose() throws IOException {
        fs.arm(Fault.WRITE);
        IOException thrown = assertThrows(IOException.class, () -> {
            try (AtomicOutputStream out = client.newOutputStream(file)) {
                out.write("new".getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        });
        assertTrue(thrown.getMessage().startsWith("Injected " + Fault.WRITE), "not the original error: " + thrown);
        assertEquals(List.of(), List.of(thrown.getSuppressed()), "close added a complaint");
        fs.disarm();
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

    /** After a failed fsync the kernel may have dropped the data: a retry could succeed falsely. */
    @Test
    void aFailedDirectoryFsyncIsNeverRetriedIntoASuccess() throws IOException {
        fs.failNext(Fault.FORCE_DIRECTORY, 1);
        IOException thrown = assertThrows(IOException.class, () -> client.writeString(file, "new"));
        assertTrue(thrown.getMessage().startsWith("Injected FORCE_DIRECTORY"), thrown.toString());
        assertEquals(1, fs.injected.get());
    }

    /** Writers that share one group-committed directory fsync all fail when it fails. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aFailedBatchFsyncFailsEveryMemberOfTheBatch() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(3);
        try {
            CountDownLatch firstFsyncRunning = new CountDownLatch(1), releaseFirst = new CountDownLatch(1);
            fs.holdNext(Fault.FORCE_DIRECTORY, firstFsyncRunning, releaseFirst);
            Future<?> first = threads.submit(() -> {
                client.writeString(dir.resolve("first"), "1");
                return null;
            });
            assertTrue(firstFsyncRunning.await(30, TimeUnit.SECONDS));
            List<Thread> waiting = new CopyOnWriteArrayList<>();
            List<Future<?>> batch = new ArrayList<>();
            for (String name : List.of("second", "third")) {
                batch.add(threads.submit(() -> {
                    waiting.add(Thread.currentThread());
                    client.writeString(dir.resolve(name), name);
                    return null;
                }));
            }
            Await.await(() -> waiting.size() >= 2 && waiting.stream().allMatch(t -> t.getState() == Thread.State.WAITING),
                    Duration.ofSeconds(30), "the writers to queue for the next directory fsync");
            fs.failNext(Fault.FORCE_DIRECTORY, 1);
            releaseFirst.countDown();
            first.get(30, TimeUnit.SECONDS);
            for (Future<?> member : batch) {
                ExecutionException failed = assertThrows(ExecutionException.class, () -> member.get(30, TimeUnit.SECONDS));
                assertTrue(String.valueOf(failed.getCause().getMessage()).startsWith("Injected FORCE_DIRECTORY"),
                        "a member of the failed batch was acknowledged or failed otherwise: " + failed.getCause());
            }
            assertEquals(1, fs.injected.get(), "the failed fsync was retried");
        } finally {
            threads.shutdownNow();
            fs.disarm();
            for (String name : List.of("first", "second", "third")) {
                Files.deleteIfExists(realDir.resolve(name));
            }
        }
    }

    /** A failed durable mkdir leaves no trace in the process-wide directory state. */
    @Test
    void failedDurableMkdirsKeepNoState() throws Exception {
        Field field = Class.forName("dev.persistence.DirectoryDurability").getDeclaredField("UNSYNCED");
        field.setAccessible(true);
        Set<?> unsynced = (Set<?>) field.get(null);
        int before = unsynced.size();
        for (int i = 0; i < 2_000; i++) {
            Path tooLong = dir.resolve("n".repeat(256) + i).resolve("f");
            assertThrows(FileSystemException.class, () -> client.writeString(tooLong, "x"));
        }
        assertEquals(before, unsynced.size(), "entries kept for directories that were never created");
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
