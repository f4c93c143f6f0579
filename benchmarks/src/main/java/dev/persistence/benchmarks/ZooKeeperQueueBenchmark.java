package dev.persistence.benchmarks;

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
import org.apache.curator.framework.recipes.locks.InterProcessReadWriteLock;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.test.TestingServer;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * lock per path, the baseline) on the same server in the same run, in alternating pairs (see
 * {@link Pairs}). In-JVM server on loopback, sharing the cores with the benchmark, its log not
 * fsync'd (see {@link BenchZooKeeper}). Read the pairs with {@link PairRatios}:
 * {@code java -cp benchmarks.jar dev.persistence.benchmarks.PairRatios curatorNanos/persistenceNanos ZooKeeperQueueBenchmark}.
 */
@State(Scope.Benchmark)
@Fork(value = 3, jvmArgsAppend = { "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch" })
public class ZooKeeperQueueBenchmark {

    private static final int WAITERS = 1_000;

    @Param({ "0", "1000" })
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

    /**
     * Per iteration: the pairs run and the time spent in each side of them. Each invocation runs
     * both sides, this manager's and Curator's, in alternating order, each timed: both share the
     * same moments of a machine whose load changes within seconds, and the figure to read is the
     * per-iteration ratio {@code curatorNanos / persistenceNanos} (above 1: this manager faster).
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Pairs {
        public long pairs;
        public long persistenceNanos;
        public long curatorNanos;
        boolean persistenceFirst;

        @Setup(Level.Iteration)
        public void reset() {
            pairs = 0;
            persistenceNanos = 0;
            curatorNanos = 0;
        }

        /** Runs both sides, in the opposite order from the previous pair, and adds up their times. */
        void run(TimedPair.Operation<Exception> persistence, TimedPair.Operation<Exception> curator) throws Exception {
            long[] nanos = TimedPair.time(persistenceFirst = !persistenceFirst, persistence, curator);
            persistenceNanos += nanos[0];
            curatorNanos += nanos[1];
            pairs++;
        }
    }

    /**
     * An uncontended WRITE acquire + release of one path: this manager's, then Curator's fair read-write lock's (or the
     * reverse).
     */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 2)
    public void uncontendedWritePairs(Pairs pairs) throws Exception {
        pairs.run(() -> measured.acquire(path, LockMode.WRITE).close(), () -> {
            curatorMeasured.writeLock().acquire();
            curatorMeasured.writeLock().release();
        });
    }

    /**
     * 1,000 writers queued behind a held gate on each side before each pair of drains: this
     * manager's (asynchronous requests, no thread each) and Curator's (its acquire blocks, so each
     * waits on a thread of its own).
     */
    @State(Scope.Benchmark)
    public static class Queues {
        PathLock gate;
        final List<CompletableFuture<PathLock>> waiters = new ArrayList<>();
        InterProcessReadWriteLock curatorGate;
        ExecutorService curatorThreads;
        final List<Future<?>> curatorWaiters = new ArrayList<>();

        @Setup(Level.Invocation)
        public void fill(ZooKeeperQueueBenchmark bench) throws Exception {
            gate = bench.other.acquire(Path.of("/bench/drain"), LockMode.WRITE);
            waiters.clear();
            for (int i = 0; i < WAITERS; i++) {
                // Returns once the request has arrived and been checked: queued, watching its blocker.
                waiters.add(bench.measured.acquireAsync(Path.of("/bench/drain"), LockMode.WRITE));
            }
            curatorGate = new InterProcessReadWriteLock(bench.otherClient, "/curator/drain");
            curatorGate.writeLock().acquire();
            curatorThreads = Executors.newFixedThreadPool(WAITERS);
            curatorWaiters.clear();
            for (int i = 0; i < WAITERS; i++) {
                InterProcessReadWriteLock lock = new InterProcessReadWriteLock(bench.measuredClient, "/curator/drain");
                curatorWaiters.add(curatorThreads.submit(() -> {
                    lock.writeLock().acquire();
                    lock.writeLock().release();
                    return null;
                }));
            }
            // Every waiter's znode is there, then time for each to read the children and watch its
            // predecessor (a few round trips): the drain starts with the whole queue formed, as
            // this manager's does.
            while (curatorGate.writeLock().getParticipantNodes().size() < WAITERS + 1) {
                Thread.sleep(50);
            }
            Thread.sleep(1_000);
        }

        @TearDown(Level.Invocation)
        public void stop() {
            curatorThreads.shutdownNow();
        }
    }

    /** Each side: from the release of its gate to the last of its 1,000 queued writers granted and released. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Fork(value = 5, jvmArgsAppend = { "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch" })
    @Warmup(iterations = 1)
    @Measurement(iterations = 5)
    public void drainThousandWaitersPairs(Queues queues, Pairs pairs) throws Exception {
        pairs.run(() -> {
            queues.gate.close();
            for (CompletableFuture<PathLock> waiter : queues.waiters) {
                waiter.get(60, TimeUnit.SECONDS).close();
            }
        }, () -> {
            queues.curatorGate.writeLock().release();
            for (Future<?> waiter : queues.curatorWaiters) {
                waiter.get(120, TimeUnit.SECONDS);
            }
        });
    }
}
