package dev.persistence.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.persistence.LockManager;
import dev.persistence.PersistenceClient;

/**
 * A write that does not fit on a real 1 MiB tmpfs (mounted when the tests run as root; skipped
 * otherwise — {@link FaultInjectionTest} covers a full disk on any machine).
 */
class DiskFullTest {

    @TempDir
    Path dir;

    @Test
    void aWriteThatDoesNotFitFailsAndLosesNothing() throws Exception {
        Path mount = Files.createDirectory(dir.resolve("small"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString()),
                "cannot mount a tmpfs here (not root?)");
        try {
            LockManager manager = LockManager.create();
            PersistenceClient client = PersistenceClient.builder(manager).durable(true).build();
            Path file = mount.resolve("data.bin");
            byte[] old = filled(600 * 1024, 'o');
            client.write(file, old);
            IOException full = assertThrows(IOException.class, () -> client.write(file, filled(800 * 1024, 'n')));
            assertTrue(String.valueOf(full.getMessage()).contains("No space left"), full.toString());
            assertArrayEquals(old, client.read(file), "old content lost");
            try (Stream<Path> files = Files.list(mount)) {
                assertEquals(List.of("data.bin"), files.map(p -> p.getFileName().toString()).toList());
            }
            byte[] fits = filled(300 * 1024, 'f');
            client.write(file, fits);
            assertArrayEquals(fits, client.read(file));
            assertTrue(manager.stats().idle());
        } finally {
            run("umount", mount.toString());
        }
    }

    private static byte[] filled(int size, char fill) {
        byte[] bytes = new byte[size];
        Arrays.fill(bytes, (byte) fill);
        return bytes;
    }

    private static boolean run(String... command) throws Exception {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException noSuchCommand) {
            return false;
        }
    }
}
