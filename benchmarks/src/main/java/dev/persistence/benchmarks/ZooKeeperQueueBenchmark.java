package dev.persistence.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessReadWriteLock;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.test.TestingServer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.persistence.LockMode;
import dev.persistence.PathLock;
import dev.persistence.zookeeper.ZooKeeperLockManager;

/**
 * What a ZooKeeper lock costs as the queue grows elsewhere: an acquire + release with 0 or 1,000
 * unrelated holders (siblings, held by another session), and the time to drain 1,000 waiters on one
 * path, granted one after another — each beside Curator's own InterProcessReadWriteLock (one flat
 * lock per path, the baseline) on the same server in the same run. In-JVM server on loopback,
 * sharing the cores with the benchmark, its log not fsync'd (see {@link BenchZooKeeper}).
 */
@State(Scope.Benchmark)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class ZooKeeperQueueBenchmark {

    private static final int WAITERS = 1_000;

    @Param({"0", "1000"})
    int unrelatedHolders;

    private TestingServer server;
    private CuratorFramework measuredClient, otherClient;
    private ZooKeeperLockManager measured, other;
    private final List<PathLock> holders = new ArrayList<>();
    private final List<InterProcessReadWriteLock> curatorHolders = new ArrayList<>();
    private InterProcessReadWriteLock curatorMeasured;
    private final Path path = Path.of("/bench/measured/doc");

    @Setup(Level.Trial)
    public void start() throws Exception {
        server = BenchZooKeeper.start();
        measuredClient = client();
        otherClient = client();
        measured = ZooKeeperLockManager.create(measuredClient, "/bench");
        other = ZooKeeperLockManager.create(otherClient, "/bench");
        for (int i = 0; i < unrelatedHolders; i++) {
            holders.add(other.acquireAsync(Path.of("/bench/unrelated/h" + i), i % 2 == 0 ? LockMode.WRITE : LockMode.READ)
                    .get(30, TimeUnit.SECONDS));
            InterProcessReadWriteLock held = new InterProcessReadWriteLock(otherClient, "/curator/unrelated/h" + i);
            if (i % 2 == 0) {
                held.writeLock().acquire();
            } else {
                held.readLock().acquire();
            }
            curatorHolders.add(held);
        }
        curatorMeasured = new InterProcessReadWriteLock(measuredClient, "/curator/measured/doc");
    }

    private CuratorFramework client() throws InterruptedException {
        CuratorFramework client = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryNTimes(3, 200));
        client.start();
        client.blockUntilConnected();
        return client;
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        holders.forEach(PathLock::close);
        for (int i = 0; i < curatorHolders.size(); i++) {
            InterProcessReadWriteLock held = curatorHolders.get(i);
            if (i % 2 == 0) {
                held.writeLock().release();
            } else {
                held.readLock().release();
            }
        }
        measured.close();
        other.close();
        measuredClient.close();
        otherClient.close();
        server.close();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 2)
    public void uncontendedWrite() throws InterruptedException {
        measured.acquire(path, LockMode.WRITE).close();
    }

    /** The baseline: Curator's fair read-write lock on one path. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 2)
    public void curatorUncontendedWrite() throws Exception {
        curatorMeasured.writeLock().acquire();
        curatorMeasured.writeLock().release();
    }

    /** 1,000 writers queued behind a held gate, before each drain. */
    @State(Scope.Benchmark)
    public static class Queue {
        PathLock gate;
        final List<CompletableFuture<PathLock>> waiters = new ArrayList<>();

        @Setup(Level.Invocation)
        public void fill(ZooKeeperQueueBenchmark bench) throws Exception {
            gate = bench.other.acquire(Path.of("/bench/drain"), LockMode.WRITE);
            waiters.clear();
            for (int i = 0; i < WAITERS; i++) {
                waiters.add(bench.measured.acquireAsync(Path.of("/bench/drain"), LockMode.WRITE));
            }
        }
    }

    /** From the release of the gate to the last of 1,000 queued writers granted and released. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 1)
    @Measurement(iterations = 5)
    public void drainThousandWaiters(Queue queue) throws Exception {
        queue.gate.close();
        for (CompletableFuture<PathLock> waiter : queue.waiters) {
            waiter.get(60, TimeUnit.SECONDS).close();
        }
    }

    /** The baseline's 1,000 writers: Curator's acquire blocks, so each waits on a thread of its own. */
    @State(Scope.Benchmark)
    public static class CuratorQueue {
        InterProcessReadWriteLock gate;
        ExecutorService threads;
        final List<Future<?>> waiters = new ArrayList<>();

        @Setup(Level.Invocation)
        public void fill(ZooKeeperQueueBenchmark bench) throws Exception {
            gate = new InterProcessReadWriteLock(bench.otherClient, "/curator/drain");
            gate.writeLock().acquire();
            threads = Executors.newFixedThreadPool(WAITERS);
            waiters.clear();
            CountDownLatch queued = new CountDownLatch(WAITERS);
            for (int i = 0; i < WAITERS; i++) {
                InterProcessReadWriteLock lock = new InterProcessReadWriteLock(bench.measuredClient, "/curator/drain");
                waiters.add(threads.submit(() -> {
                    queued.countDown();
                    lock.writeLock().acquire();
                    lock.writeLock().release();
                    return null;
                }));
            }
            queued.await();
            // Every waiter's znode is there, then time for each to read the children and watch its
            // predecessor (a few round trips): the drain starts with the whole queue formed, as the
            // manager's does (its acquireAsync returns once the request has arrived and been checked).
            while (gate.writeLock().getParticipantNodes().size() < WAITERS + 1) {
                Thread.sleep(50);
            }
            Thread.sleep(1_000);
        }

        @TearDown(Level.Invocation)
        public void stop() {
            threads.shutdownNow();
        }
    }

    /** The baseline: from the release of the gate to the last of 1,000 queued Curator writers done. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 1)
    @Measurement(iterations = 5)
    public void curatorDrainThousandWaiters(CuratorQueue queue) throws Exception {
        queue.gate.writeLock().release();
        for (Future<?> waiter : queue.waiters) {
            waiter.get(120, TimeUnit.SECONDS);
        }
    }
}
