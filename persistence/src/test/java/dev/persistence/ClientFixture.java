package dev.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client on a fresh directory and lock manager for each test, with threads to run its other
 * callers; after each test nothing may be left: no thread, no lock, no temp or intent file.
 */
abstract class ClientFixture {

    @TempDir
    Path dir;

    LockManager manager;
    PersistenceClient client;
    ExecutorService threads;

    @BeforeEach
    void open() {
        manager = LockManager.create();
        client = PersistenceClient.builder(manager).build();
        threads = Executors.newCachedThreadPool();
    }

    @AfterEach
    void idleAndNothingLeftBehind() throws Exception {
        threads.shutdownNow();
        assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS));
        assertTrue(manager.stats().idle(), "lock left behind: " + manager.stats());
        assertEquals(List.of(), leftovers(), "temp or intent files left behind");
    }

    /** The temp and batch intent files below the test directory. */
    List<Path> leftovers() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> client.isTempName(f.getFileName().toString())
                    || BatchJournal.hasAnyIntentName(f.getFileName().toString())).toList();
        }
    }
}
