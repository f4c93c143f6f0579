package dev.persistence.benchmarks;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.apache.curator.test.TestingServer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.zookeeper.ZooKeeperLockManager;

/**
 * Latency of an uncontended acquire + release through ZooKeeper (an in-JVM server on loopback,
 * its log not fsync'd: see {@link BenchZooKeeper}; a lower bound for a real ensemble) against the
 * in-process manager, in the same run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 3, jvmArgsAppend = { "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch" })
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ZooKeeperLatencyBenchmark {

    @Param({ "READ", "WRITE" })
    LockMode mode;

    private final Path path = Path.of("/lockbench/a/b/c");
    private TestingServer server;
    private ZooKeeperLockManager zookeeper;
    private final LockManager local = LockManager.create();

    @Setup
    public void start() throws Exception {
        server = BenchZooKeeper.start();
        zookeeper = ZooKeeperLockManager.create(server.getConnectString());
    }

    @TearDown
    public void stop() throws Exception {
        zookeeper.close();
        server.close();
    }

    @Benchmark
    public void zookeeper() throws InterruptedException {
        zookeeper.acquire(path, mode).close();
    }

    @Benchmark
    public void baselineLocal() throws InterruptedException {
        local.acquire(path, mode).close();
    }
}
