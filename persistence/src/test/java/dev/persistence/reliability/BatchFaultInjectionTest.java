package dev.persistence.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.persistence.Batch;
import dev.persistence.Durability;
import dev.persistence.LockManager;
import dev.persistence.PersistenceClient;
import dev.persistence.reliability.FaultyFileSystem.Fault;

/**
 * The first file create, write, file fsync, directory fsync, rename or delete of a durable batch
 * failing, on real files: before the commit point the batch fails with the original error and
 * leaves every path old and nothing behind; after it, the error says that the batch is committed,
 * and {@code recover} completes it. Either way no lock is held afterwards, and after a
 * {@code recover} the batch is whole or absent with no temp or intent file left.
 */
class BatchFaultInjectionTest {

    private static final Map<String, String> OLD = Map.of("a", "old a", "b/b", "old b", "gone", "gone");
    private static final Map<String, String> NEW = Map.of("a", "new a", "b/b", "new b", "c/c", "new c");

    @TempDir
    Path realDir;

    @ParameterizedTest
    @EnumSource(Fault.class)
    void aFailingStepLeavesTheBatchWholeOrAbsent(Fault fault) throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        Path dir = fs.wrap(realDir);
        LockManager manager = LockManager.create();
        PersistenceClient client = PersistenceClient.builder(manager).durability(Durability.DURABLE).build();
        for (Map.Entry<String, String> file : OLD.entrySet()) {
            client.writeString(dir.resolve(file.getKey()), file.getValue());
        }
        fs.failNext(fault, 1);
        IOException failed = assertThrows(IOException.class, () -> {
            try (Batch batch = client.batch()) {
                batch.writeString(dir.resolve("a"), "new a").writeString(dir.resolve("b/b"), "new b")
                        .writeString(dir.resolve("c/c"), "new c").delete(dir.resolve("gone")).commit();
            }
        });
        assertEquals(1, fs.injected.get(), "the fault did not fire");
        assertTrue(manager.stats().idle(), "lock left held: " + manager.stats());
        boolean committed = failed.getMessage().contains("committed");
        if (!committed) {
            assertTrue(failed.getMessage().startsWith("Injected"), "not the original error: " + failed);
            assertEquals(new TreeMap<>(OLD), files(), "a batch that failed before its commit point changed something");
        }
        fs.disarm();
        client.recover(dir);
        assertEquals(new TreeMap<>(committed ? NEW : OLD), files(), fault + ": not whole after recover");
        System.out.println("batch fault " + fault + ": " + (committed ? "after" : "before") + " the commit point");
    }

    /** Every file below the directory, by relative path; temp and intent files included. */
    private Map<String, String> files() throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> all = Files.walk(realDir)) {
            for (Path file : all.filter(Files::isRegularFile).toList()) {
                files.put(realDir.relativize(file).toString(), Files.readString(file));
            }
        }
        return files;
    }
}
