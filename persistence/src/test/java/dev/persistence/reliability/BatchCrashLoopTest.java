package dev.persistence.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.persistence.Durability;
import dev.persistence.LockManager;
import dev.persistence.PersistenceClient;

/**
 * Kills a JVM that transfers money between account files by batches ({@link BatchTransferWriter})
 * with SIGKILL at random moments, at each level in turn: after each kill and a {@code recover},
 * the accounts hold the total they started with, and no temp or intent file is left.
 */
class BatchCrashLoopTest {

    private static final long TOTAL = 1000;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void killedTransfersConserveTheTotalAfterRecover() throws Exception {
        PersistenceClient client = PersistenceClient.builder(LockManager.create()).build();
        for (String account : BatchTransferWriter.ACCOUNTS) {
            client.writeString(dir.resolve(account), Long.toString(TOTAL / BatchTransferWriter.ACCOUNTS.size()));
        }
        Random random = new Random(7);
        int rounds = 36, interrupted = 0, intentsRolledForward = 0, tempsRemoved = 0;
        for (int round = 0; round < rounds; round++) {
            Durability level = Durability.values()[round % 3];
            Process writer = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"),
                    BatchTransferWriter.class.getName(), dir.toString(), level.name())
                    .redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
                assertEquals("ready", out.readLine(), "writer did not start");
                // The kill moment is the random variable here, not a synchronisation.
                TimeUnit.MILLISECONDS.sleep(20 + random.nextInt(level == Durability.NO_SYNC ? 40 : 120));
                assertTrue(writer.isAlive(), "the writer died on its own");
                writer.destroyForcibly();
                assertTrue(writer.waitFor(30, TimeUnit.SECONDS));
            }
            long intents = countFiles(".persistence-batch.");
            int removed = client.recover(dir);
            if (intents + removed > 0) {
                interrupted++;
            }
            intentsRolledForward += (int) intents;
            tempsRemoved += removed;
            long total = 0;
            for (String account : BatchTransferWriter.ACCOUNTS) {
                total += Long.parseLong(client.readString(dir.resolve(account)));
            }
            assertEquals(TOTAL, total, "round " + round + " (" + level + "): the total changed");
            assertEquals(0, countFiles(".persistence"), "round " + round + ": temp or intent files left");
        }
        System.out.printf("batch crash loop: %d transferring JVMs killed, %d mid-batch (%d intents rolled forward,"
                + " %d temp files removed), total conserved after every kill%n",
                rounds, interrupted, intentsRolledForward, tempsRemoved);
    }

    private long countFiles(String containing) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.getFileName().toString().contains(containing)).count();
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java" + (File.separatorChar == '\\' ? ".exe" : ""))
                .toString();
    }
}
