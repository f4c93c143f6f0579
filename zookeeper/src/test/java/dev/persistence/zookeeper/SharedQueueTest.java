package dev.persistence.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.persistence.AtomicOutputStream;
import dev.persistence.Batch;
import dev.persistence.LockLostException;
import dev.persistence.LockMode;
import dev.persistence.PathLock;
import dev.persistence.PersistenceClient;
import dev.persistence.testsupport.Await;
import dev.persistence.testsupport.HoldRegistry;
import dev.persistence.testsupport.Transfers;

/**
 * Two managers with their own ZooKeeper sessions — two JVMs, as far as ZooKeeper can tell —
 * over one queue: no conflicting overlap, FIFO across both, and a lost session fails closed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedQueueTest {

    private TestingServer server;
    private final List<CuratorFramework> clients = new ArrayList<>();
    private ZooKeeperLockManager first;
    private ZooKeeperLockManager second;

    @BeforeEach
    void start() throws Exception {
        server = new TestingServer(true);
        first = ZooKeeperLockManager.create(client(), "/shared");
        second = ZooKeeperLockManager.create(client(), "/shared");
    }

    private CuratorFramework client() throws InterruptedException {
        CuratorFramework client = CuratorFrameworkFactory.newClient(server.getConnectString(), 10_000, 5_000,
                new RetryOneTime(100));
        client.start();
        client.blockUntilConnected();
        clients.add(client);
        return client;
    }

    @AfterEach
    void stop() throws Exception {
        first.close();
        second.close();
        for (CuratorFramework client : clients) {
            client.close();
        }
        server.close();
    }

    @Test
    void conflictingHoldsNeverOverlapAcrossManagers() throws Exception {
        String[] paths = { "/s", "/s/a", "/s/a/b", "/s/b", "/s/ab" };
        HoldRegistry registry = new HoldRegistry();
        AtomicInteger acquired = new AtomicInteger();
        int work = 200;
        long cap = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // a guard against a hang, not a measurement
        ExecutorService threads = Executors.newFixedThreadPool(4);
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            ZooKeeperLockManager manager = w % 2 == 0 ? first : second;
            workers.add(threads.submit(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (acquired.get() < work && System.nanoTime() - cap < 0L) {
                    String path = paths[random.nextInt(paths.length)];
                    LockMode mode = random.nextInt(100) < 35 ? LockMode.WRITE : LockMode.READ;
                    try (PathLock lock = manager.acquire(Path.of(path), mode)) {
                        HoldRegistry.Hold hold = registry.enter(path, mode);
                        acquired.incrementAndGet();
                        Thread.onSpinWait();
                        registry.exit(hold);
                    }
                }
                return null;
            }));
        }
        for (Future<?> worker : workers) {
            worker.get(90, TimeUnit.SECONDS);
        }
        threads.shutdown();
        assertEquals(List.of(), registry.violations(), "conflicting holds overlapped across managers");
        assertTrue(acquired.get() >= work, "only " + acquired + " of " + work + " acquisitions within the cap");
        Await.await(() -> first.stats().idle() && second.stats().idle(), "both managers idle");
    }

    /**
     * Batches through two managers — two JVMs to ZooKeeper: a batch's own lock on its two files keeps
     * the other manager's readers of both out until it is whole, and transfers read and written
     * under each manager's lock on two accounts (the batch running inside it) conserve the total.
     */
    @Test
    void batchesLockTheirPathsAcrossManagers(@TempDir Path dir) throws Exception {
        List<Path> accounts = List.of(dir.resolve("a"), dir.resolve("b"), dir.resolve("c/d"));
        List<PersistenceClient> files = List.of(PersistenceClient.builder(first).build(),
                PersistenceClient.builder(second).build());
        for (Path account : accounts) {
            files.get(0).writeString(account, "100");
        }
        Path left = dir.resolve("pair/left"), right = dir.resolve("pair/right");
        try (Batch batch = files.get(0).batch()) {
            batch.writeString(left, "0").writeString(right, "0").commit();
        }
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            Future<?> generations = threads.submit(() -> {
                for (int generation = 1; generation <= 100; generation++) {
                    try (Batch batch = files.get(0).batch()) {
                        batch.writeString(left, Integer.toString(generation))
                                .writeString(right, Integer.toString(generation)).commit();
                    }
                }
                return null;
            });
            Future<Integer> pairsSeen = threads.submit(() -> {
                int seen = 0;
                do {
                    try (PathLock both = second.acquireAll(List.of(left, right), LockMode.READ)) {
                        assertEquals(files.get(1).readString(left), files.get(1).readString(right),
                                "the other manager's reader saw half a batch");
                        seen++;
                    }
                } while (!generations.isDone());
                return seen;
            });
            List<Future<?>> transfers = new ArrayList<>();
            for (PersistenceClient client : files) {
                transfers.add(threads.submit(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int i = 0; i < 60; i++) {
                        Path from = accounts.get(random.nextInt(accounts.size()));
                        Path to = accounts.get(random.nextInt(accounts.size()));
                        if (!from.equals(to)) {
                            Transfers.transfer(client, from, to, 1 + random.nextInt(30));
                        }
                    }
                    return null;
                }));
            }
            generations.get(50, TimeUnit.SECONDS);
            pairsSeen.get(10, TimeUnit.SECONDS);
            for (Future<?> transfer : transfers) {
                transfer.get(50, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        long total = 0;
        for (Path account : accounts) {
            total += Long.parseLong(files.get(1).readString(account));
        }
        assertEquals(300, total, "transfers through two managers changed the total");
        assertEquals("100", files.get(1).readString(right));
    }

    @Test
    void arrivalOrderHoldsAcrossManagers() throws Exception {
        PathLock w1 = first.acquire(Path.of("/f"), LockMode.WRITE);
        CompletableFuture<PathLock> w2 = second.acquireAsync(Path.of("/f"), LockMode.WRITE);
        CompletableFuture<PathLock> r3 = first.acquireAsync(Path.of("/f/z"), LockMode.READ);
        assertFalse(w2.isDone());
        assertFalse(r3.isDone(), "a later read on the first manager overtook the second manager's write");
        w1.close();
        PathLock second = w2.get(10, TimeUnit.SECONDS);
        assertFalse(r3.isDone(), "granted together with the write it arrived after");
        second.close();
        r3.get(10, TimeUnit.SECONDS).close();
    }

    /** The root holds no intention: a READ of it finds the writes below it on its children, in arrival order. */
    @Test
    void aReadOfTheRootMeetsWritesBelowItInArrivalOrderAcrossManagers() throws Exception {
        PathLock deep = first.acquire(Path.of("/g/h/i"), LockMode.WRITE);
        PathLock top = first.acquire(Path.of("/j"), LockMode.WRITE);
        CompletableFuture<PathLock> root = second.acquireAsync(Path.of("/"), LockMode.READ);
        CompletableFuture<PathLock> later = first.acquireAsync(Path.of("/k/l"), LockMode.WRITE);
        CompletableFuture<PathLock> reader = first.acquireAsync(Path.of("/g/x"), LockMode.READ);
        reader.get(10, TimeUnit.SECONDS).close();
        assertFalse(root.isDone(), "the READ of the root overtook earlier writes below it");
        deep.close();
        assertFalse(root.isDone(), "granted while a write on a child of the root is held");
        top.close();
        PathLock granted = root.get(10, TimeUnit.SECONDS);
        assertFalse(later.isDone(), "a write that arrived after the READ of the root overtook it");
        granted.close();
        later.get(10, TimeUnit.SECONDS).close();
    }

    @Test
    void aLostSessionFailsClosed(@TempDir Path dir) throws Exception {
        CuratorFramework own = client();
        ZooKeeperLockManager manager = ZooKeeperLockManager.create(own, "/shared");
        PersistenceClient files = PersistenceClient.builder(manager).build();
        Path file = dir.resolve("doc.json");
        files.writeString(file, "old");

        AtomicOutputStream out = files.newOutputStream(file);
        out.write("new".getBytes());
        CompletableFuture<PathLock> other = first.acquireAsync(file, LockMode.WRITE);
        assertFalse(other.isDone(), "the other manager must wait for the held write lock");

        KillSession.kill(own.getZookeeperClient().getZooKeeper());
        // The session's znodes are gone: the other manager is granted the lock ...
        PathLock taken = other.get(20, TimeUnit.SECONDS);
        // ... and the writer that lost it must not commit.
        assertThrows(LockLostException.class, out::commit);
        assertEquals("old", Files.readString(file));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of("doc.json"), left.map(p -> p.getFileName().toString()).toList(), "temp file left");
        }
        taken.close();

        Await.await(manager::isConnected, "a new session");
        try (PathLock again = manager.acquire(file, LockMode.WRITE, Duration.ofSeconds(10))) {
            assertTrue(again.isHeld(), "locks work again on the new session");
        }
        manager.close();
    }
}
