package dev.persistence.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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

import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.PathLock;

/**
 * The uncontended acquire + release while 1,000 or 1,000,000 other distinct paths are held, in
 * 1,000 directories either way (so every stripe has a tree and the lock takes the tree path).
 * Every benchmark fork pre-touches a fixed heap: on this kind of virtual machine the first
 * touch of a page costs microseconds, which would otherwise be measured instead of the locks.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = { "-Xms3g", "-Xmx3g", "-XX:+AlwaysPreTouch" })
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 1)
public class LockTreeSizeBenchmark {

    @Param({ "1000", "1000000" })
    int held;

    @Param({ "READ", "WRITE" })
    LockMode mode;

    private final LockManager manager = LockManager.create();
    private final Path path = Path.of("/lockbench/a/b/c");
    private final List<PathLock> holds = new ArrayList<>();

    @Setup(Level.Trial)
    public void holdOthers() {
        for (int i = 0; i < held; i++) {
            // Spread over 1,000 directories in both cases, so that every stripe of the manager holds
            // something and the measured request always takes the tree path, never the fast one.
            holds.add(manager.acquireAsync(Path.of("/held/d" + (i % 1000) + "/f" + (i / 1000)), LockMode.READ).join());
        }
        // Settle the large live set (promotion, concurrent marking) before measuring the lock path.
        System.gc();
    }

    @TearDown(Level.Trial)
    public void releaseOthers() {
        holds.forEach(PathLock::close);
    }

    @Benchmark
    public void persistence() throws InterruptedException {
        manager.acquire(path, mode).close();
    }
}
