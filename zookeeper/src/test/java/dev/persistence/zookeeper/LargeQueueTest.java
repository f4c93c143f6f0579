package dev.persistence.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.persistence.LockMode;
import dev.persistence.PathLock;
import dev.persistence.testsupport.Await;

/**
 * 10,000 live requests on 4 KB paths: the queue is not one znode listing, so nothing has to fit
 * one reply, and a write above all of them still finds every one and waits for it.
 */
class LargeQueueTest {

    private static final int REQUESTS = 10_000;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void tenThousandLiveRequestsOnFourKilobytePaths() throws Exception {
        String longName = "x".repeat(4_000);
        Path top = Path.of("/big", longName);
        try (TestingServer server = new TestingServer(true);
                CuratorFramework client = CuratorFrameworkFactory.newClient(server.getConnectString(), 60_000, 15_000,
                        new RetryNTimes(3, 500));
                ZooKeeperLockManager manager = start(client)) {
            ExecutorService threads = Executors.newFixedThreadPool(8);
            List<Future<PathLock>> futures = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                Path path = top.resolve("n" + i);
                assertTrue(path.toString().length() >= 4_000);
                futures.add(threads.submit(() -> manager.acquireAsync(path, LockMode.READ).get(60, TimeUnit.SECONDS)));
            }
            List<PathLock> held = new ArrayList<>();
            for (Future<PathLock> future : futures) {
                held.add(future.get(120, TimeUnit.SECONDS));
            }
            assertEquals(REQUESTS, manager.stats().activeReaders());

            CompletableFuture<PathLock> write = manager.acquireAsync(top, LockMode.WRITE);
            assertFalse(write.isDone(), "a write above 10,000 held reads was granted");
            List<Future<?>> releases = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int first = t;
                releases.add(threads.submit(() -> {
                    for (int i = first; i < held.size(); i += 8) {
                        if (i != REQUESTS / 2) {
                            held.get(i).close();
                        }
                    }
                }));
            }
            for (Future<?> release : releases) {
                release.get(120, TimeUnit.SECONDS);
            }
            TimeUnit.MILLISECONDS.sleep(500);
            assertFalse(write.isDone(), "the write overtook the one read still held");
            held.get(REQUESTS / 2).close();
            write.get(60, TimeUnit.SECONDS).close();
            threads.shutdown();
            Await.await(() -> manager.stats().idle(), "idle");
        }
    }

    private static ZooKeeperLockManager start(CuratorFramework client) throws InterruptedException {
        client.start();
        assertTrue(client.blockUntilConnected(30, TimeUnit.SECONDS));
        return ZooKeeperLockManager.create(client, "/large");
    }
}
