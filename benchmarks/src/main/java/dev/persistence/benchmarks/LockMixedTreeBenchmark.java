package dev.persistence.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.PathLock;

/**
 * 90% reads and 10% writes on random paths under /lockbench (1 to 4 segments of n0..n9, or
 * leaves only at depth 4), on one shared manager, against one global fair RW lock.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch" })
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LockMixedTreeBenchmark {

    private static final int WORKLOAD = 1 << 14;

    @Param({ "mixed", "leaves" })
    String tree;

    LockManager manager;
    final ReentrantReadWriteLock global = new ReentrantReadWriteLock(true);
    Path[] paths;
    LockMode[] modes;

    @Setup
    public void setUp() {
        manager = LockManager.create();
        SplittableRandom random = new SplittableRandom(17);
        paths = new Path[WORKLOAD];
        modes = new LockMode[WORKLOAD];
        for (int i = 0; i < WORKLOAD; i++) {
            int depth = tree.equals("leaves") ? 4 : 1 + random.nextInt(4);
            StringBuilder path = new StringBuilder("/lockbench");
            for (int d = 0; d < depth; d++) {
                path.append("/n").append(random.nextInt(10));
            }
            paths[i] = Path.of(path.toString());
            modes[i] = random.nextInt(10) == 0 ? LockMode.WRITE : LockMode.READ;
        }
    }

    /** Each thread walks the shared workload from its own offset. */
    @State(Scope.Thread)
    public static class Cursor {
        int next = (int) (Math.random() * WORKLOAD);

        int advance() {
            next = (next + 1) & (WORKLOAD - 1);
            return next;
        }
    }

    @Benchmark
    @Threads(1)
    public void persistence1Thread(Cursor cursor) throws InterruptedException {
        persistence(cursor);
    }

    @Benchmark
    @Threads(2)
    public void persistence2Threads(Cursor cursor) throws InterruptedException {
        persistence(cursor);
    }

    @Benchmark
    @Threads(1)
    public void baselineGlobalFairRwLock1Thread(Cursor cursor) {
        global(cursor);
    }

    @Benchmark
    @Threads(2)
    public void baselineGlobalFairRwLock2Threads(Cursor cursor) {
        global(cursor);
    }

    /** 64 requests outstanding from one thread, granted as earlier ones are released. */
    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(64)
    public void persistenceAsync64(Cursor cursor) {
        List<CompletableFuture<PathLock>> pending = new ArrayList<>(64);
        for (int i = 0; i < 64; i++) {
            int at = cursor.advance();
            pending.add(manager.acquireAsync(paths[at], modes[at]));
        }
        for (CompletableFuture<PathLock> request : pending) {
            request.join().close();
        }
    }

    private void persistence(Cursor cursor) throws InterruptedException {
        int at = cursor.advance();
        manager.acquire(paths[at], modes[at]).close();
    }

    private void global(Cursor cursor) {
        int at = cursor.advance();
        if (modes[at] == LockMode.READ) {
            global.readLock().lock();
            global.readLock().unlock();
        } else {
            global.writeLock().lock();
            global.writeLock().unlock();
        }
    }
}
