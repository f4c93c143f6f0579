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
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

import dev.persistence.LockManager;
import dev.persistence.LockMode;

/**
 * Each thread takes WRITE locks in its own subtree of one shared manager, {@code <root>/t0/...} and
 * {@code <root>/t1/...}, cycling over 16 files: 1 thread against 2. The baseline is one fair RW lock
 * per thread, which shows how far the machine itself lets 2 threads scale in the same run. The
 * roots: {@code /lockbench}, whose subtrees differ in the second name (the stripe key's last), and
 * {@code /srv/app/data}, a data root as deployments configure it, below which every path has the
 * same first two names.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch" })
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LockDisjointSubtreesBenchmark {

    final LockManager manager = LockManager.create();

    /** One thread's subtree and its own baseline lock. */
    @State(Scope.Thread)
    public static class Subtree {
        @Param({ "/lockbench", "/srv/app/data" })
        String root;

        final Path[] files = new Path[16];
        final ReentrantReadWriteLock own = new ReentrantReadWriteLock(true);
        int next;

        @Setup
        public void setUp(ThreadParams thread) {
            for (int i = 0; i < files.length; i++) {
                files[i] = Path.of(root + "/t" + thread.getThreadIndex() + "/data/f" + i);
            }
        }

        Path advance() {
            next = (next + 1) & (files.length - 1);
            return files[next];
        }
    }

    @Benchmark
    @Threads(1)
    public void persistence1Thread(Subtree subtree) throws InterruptedException {
        manager.acquire(subtree.advance(), LockMode.WRITE).close();
    }

    @Benchmark
    @Threads(2)
    public void persistence2Threads(Subtree subtree) throws InterruptedException {
        manager.acquire(subtree.advance(), LockMode.WRITE).close();
    }

    @Benchmark
    @Threads(1)
    public void baselineOwnFairRwLock1Thread(Subtree subtree) {
        subtree.own.writeLock().lock();
        subtree.own.writeLock().unlock();
    }

    @Benchmark
    @Threads(2)
    public void baselineOwnFairRwLock2Threads(Subtree subtree) {
        subtree.own.writeLock().lock();
        subtree.own.writeLock().unlock();
    }
}
