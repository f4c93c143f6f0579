package dev.persistence.benchmarks;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.persistence.LockManager;
import dev.persistence.LockMode;

/** Acquire + release of one path by one thread, against java.util.concurrent's RW locks. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch" })
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LockUncontendedBenchmark {

    @Param({ "READ", "WRITE" })
    LockMode mode;

    private final LockManager manager = LockManager.create();
    private final Path path = Path.of("/lockbench/a/b/c");
    private final ReentrantReadWriteLock fair = new ReentrantReadWriteLock(true);
    private final ReentrantReadWriteLock nonFair = new ReentrantReadWriteLock(false);

    @Benchmark
    public void persistence() throws InterruptedException {
        manager.acquire(path, mode).close();
    }

    @Benchmark
    public void baselineFairRwLock() {
        lockUnlock(fair);
    }

    @Benchmark
    public void baselineNonFairRwLock() {
        lockUnlock(nonFair);
    }

    private void lockUnlock(ReentrantReadWriteLock lock) {
        if (mode == LockMode.READ) {
            lock.readLock().lock();
            lock.readLock().unlock();
        } else {
            lock.writeLock().lock();
            lock.writeLock().unlock();
        }
    }
}
