package dev.persistence.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import dev.persistence.Batch;
import dev.persistence.Durability;
import dev.persistence.LockManager;
import dev.persistence.PersistenceClient;

/**
 * A batch of two 1 KiB rewrites (a transfer between two documents) beside the same two rewrites
 * made as two single writes, at each {@link Durability} level, with one thread and with 8 threads
 * on disjoint pairs of files in one directory (so durable batches share group-committed directory
 * fsyncs).
 *
 * <p>
 * Every invocation is a <em>pair</em>, as in {@link ClientBenchmark}: the batch and the two single
 * writes, in alternating order, each timed; the {@code batchNanos} and {@code singlesNanos} counters
 * sum those times per iteration, so both share the same milliseconds of the disk. The figure to
 * read is {@code singlesNanos / batchNanos}: a batch's speed as a fraction of two single writes'.
 * The single writes give no all-or-nothing guarantee; the batch pays for it with its intent (the
 * contents once more, one more file fsync) and the directory fsyncs of its recipe, at ATOMIC too.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch" })
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class BatchBenchmark {

    private static final byte[] KIB = new byte[1024];

    @Param({ "NO_SYNC", "ATOMIC", "DURABLE" })
    Durability durability;

    Path dir;
    PersistenceClient client;
    final AtomicInteger threads = new AtomicInteger();

    /** Per thread and iteration: its own four files, and the time spent in each side of the pairs. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Pairs {
        public long batchNanos;
        public long singlesNanos;
        boolean batchFirst;
        Path a, b, c, d;

        @Setup(Level.Iteration)
        public void reset(BatchBenchmark benchmark) {
            batchNanos = 0;
            singlesNanos = 0;
            int thread = benchmark.threads.incrementAndGet();
            a = benchmark.dir.resolve("t" + thread + "-a");
            b = benchmark.dir.resolve("t" + thread + "-b");
            c = benchmark.dir.resolve("t" + thread + "-c");
            d = benchmark.dir.resolve("t" + thread + "-d");
        }
    }

    @Setup(Level.Iteration)
    public void freshDirectory() throws IOException {
        dir = BenchDirectory.fresh("batch-");
        client = PersistenceClient.builder(LockManager.create()).durability(durability).build();
        threads.set(0);
    }

    @TearDown(Level.Iteration)
    public void removeDirectory() throws IOException {
        BenchDirectory.remove(dir);
    }

    @Benchmark
    @Threads(1)
    public void twoFileBatchAndTwoWrites(Pairs pairs) throws IOException {
        pair(pairs);
    }

    @Benchmark
    @Threads(8)
    public void twoFileBatchAndTwoWrites8Threads(Pairs pairs) throws IOException {
        pair(pairs);
    }

    /** Runs the batch and the two single writes, in the opposite order from the previous pair, timing each. */
    private void pair(Pairs pairs) throws IOException {
        long[] nanos = TimedPair.time(pairs.batchFirst = !pairs.batchFirst, () -> batch(pairs), () -> singles(pairs));
        pairs.batchNanos += nanos[0];
        pairs.singlesNanos += nanos[1];
    }

    private void batch(Pairs pairs) throws IOException {
        try (Batch batch = client.batch()) {
            batch.write(pairs.a, KIB).write(pairs.b, KIB).commit();
        }
    }

    private void singles(Pairs pairs) throws IOException {
        client.write(pairs.c, KIB);
        client.write(pairs.d, KIB);
    }
}
