package dev.persistence.zookeeper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;

import dev.persistence.LockLostException;
import dev.persistence.LockMode;
import dev.persistence.LockTimeoutException;
import dev.persistence.PathLock;
import dev.persistence.PersistenceClient;

/**
 * A worker process of {@link ZooKeeperFaultInjectionTest}: read-modify-write increments of counter files
 * in one shared directory, each under an outer WRITE lock with the client's read and write nested
 * in it, through a {@link ZooKeeperLockManager} of its own session. It reports on stdout, one line
 * per event: {@code READY}, {@code HOLD <counter>} once the outer lock is granted, {@code ACK <counter> <value> <token>} once
 * an increment committed,
 * {@code LOST}/{@code TIMEOUT}/{@code ERR} when one did not, {@code PAUSED}/{@code RESUMED}
 * around the pauses the test asks for with the file {@code pause}, {@code BYE} when the file
 * {@code stop} appears.
 *
 * <p>
 * Arguments: connect string, directory, number of counters, session timeout in ms.
 */
public final class FaultWorker {

    public static void main(String[] args) throws Exception {
        String connect = args[0];
        Path dir = Path.of(args[1]);
        int counters = Integer.parseInt(args[2]);
        Duration session = Duration.ofMillis(Long.parseLong(args[3]));
        Path pause = dir.resolve("pause"), stop = dir.resolve("stop");
        // No ensemble tracker: it would learn the servers' own addresses and bypass the test's proxies.
        CuratorFramework curator = CuratorFrameworkFactory.builder().connectString(connect)
                .sessionTimeoutMs((int) session.toMillis()).ensembleTracker(false)
                .retryPolicy(new ExponentialBackoffRetry(100, 5)).build();
        curator.start();
        if (!curator.blockUntilConnected(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("no ZooKeeper connection to " + connect);
        }
        try (curator; ZooKeeperLockManager manager = ZooKeeperLockManager.create(curator, "/faults")) {
            PersistenceClient client = PersistenceClient.builder(manager).lockTimeout(Duration.ofSeconds(30)).build();
            System.out.println("READY");
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (!Files.exists(stop)) {
                if (Files.exists(pause)) {
                    System.out.println("PAUSED");
                    while (Files.exists(pause) && !Files.exists(stop)) {
                        TimeUnit.MILLISECONDS.sleep(20);
                    }
                    System.out.println("RESUMED");
                    continue;
                }
                int k = random.nextInt(counters);
                Path counter = dir.resolve("c" + k);
                try (PathLock outer = manager.acquire(counter, LockMode.WRITE, Duration.ofSeconds(30))) {
                    System.out.println("HOLD " + k);
                    int value = Integer.parseInt(client.readString(counter).trim());
                    TimeUnit.MILLISECONDS.sleep(random.nextInt(5, 40)); // the hold: room for faults to land in
                    client.writeString(counter, Integer.toString(value + 1));
                    System.out.println("ACK " + k + " " + (value + 1) + " " + outer.fencingToken());
                } catch (LockLostException e) {
                    System.out.println("LOST " + e.getMessage().replace('\n', ' '));
                    TimeUnit.MILLISECONDS.sleep(50); // no session yet: acquire refuses at once until there is one
                } catch (LockTimeoutException e) {
                    System.out.println("TIMEOUT");
                } catch (RuntimeException e) {
                    System.out.println("ERR " + e.toString().replace('\n', ' '));
                    TimeUnit.MILLISECONDS.sleep(100);
                }
            }
        }
        System.out.println("BYE");
        System.exit(0);
    }
}
