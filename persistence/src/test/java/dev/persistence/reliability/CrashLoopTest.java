package dev.persistence.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.persistence.LockManager;
import dev.persistence.PersistenceClient;

/**
 * Kills a writing JVM with SIGKILL at random moments: the file always holds exactly one of the
 * two contents, and {@code recover} removes every orphaned temp file and nothing else.
 */
class CrashLoopTest {

    private static final Pattern TEMP = Pattern.compile("\\..*\\.[0-9a-f]{16}\\.persistence\\.tmp");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void killedWritersLeaveOldOrNewContentAndRecoverableTemps() throws Exception {
        byte[] a = CrashWriter.content('a'), b = CrashWriter.content('b');
        PersistenceClient client = PersistenceClient.builder(LockManager.create()).build();
        Random random = new Random(42);
        int rounds = 28, orphansRecovered = 0;
        for (int round = 0; round < rounds; round++) {
            boolean durable = round % 2 == 0;
            Process writer = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"),
                    CrashWriter.class.getName(), dir.toString(), Boolean.toString(durable))
                    .redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
                assertEquals("ready", out.readLine(), "writer did not start");
                // The kill moment is the random variable here, not a synchronisation.
                TimeUnit.MILLISECONDS.sleep(random.nextInt(durable ? 60 : 25));
                writer.destroyForcibly();
                assertTrue(writer.waitFor(30, TimeUnit.SECONDS));
            }
            byte[] seen = Files.readAllBytes(dir.resolve("target.bin"));
            assertTrue(Arrays.equals(seen, a) || Arrays.equals(seen, b),
                    "round " + round + ": torn file of " + seen.length + " bytes");
            List<String> others;
            try (Stream<Path> files = Files.list(dir)) {
                others = files.map(p -> p.getFileName().toString()).filter(n -> !n.equals("target.bin")).toList();
            }
            others.forEach(n -> assertTrue(TEMP.matcher(n).matches(), "unexpected file " + n));
            assertEquals(others.size(), client.recover(dir), "recover count in round " + round);
            orphansRecovered += others.size();
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of("target.bin"), files.map(p -> p.getFileName().toString()).toList());
            }
        }
        System.out.println("crash loop: " + rounds + " writers killed, " + orphansRecovered + " orphans recovered");
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java" + (File.separatorChar == '\\' ? ".exe" : ""))
                .toString();
    }
}
