package dev.persistence.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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

import dev.persistence.Durability;
import dev.persistence.LockManager;
import dev.persistence.PersistenceClient;

/**
 * 1 KiB writes of new files into one directory and 1 KiB reads, through the client and through
 * raw NIO, at each {@link Durability} level, sequentially and with 16 in flight.
 *
 * <p>
 * Every invocation is a <em>pair</em>: one operation through the client and the same operation
 * by the raw recipe, in alternating order, each timed; the {@code clientNanos} and {@code rawNanos}
 * counters sum those times per iteration. So both sides share the same milliseconds of a disk
 * whose latency changes within minutes (on the benchmark machine, file creation flips between
 * about 15 and 780 µs), and the figure to read is the ratio {@code rawNanos / clientNanos} — the
 * client's speed as a fraction of raw NIO's. The raw recipe of a level makes the calls the level
 * promises: temp file + atomic rename; for {@code ATOMIC} also {@code fdatasync} of the temp file;
 * for {@code DURABLE} {@code fsync} of the temp file and of the directory. Reads: {@code client.read}
 * against {@code Files.readAllBytes}. Files live under {@code benchmarks.dir} (default
 * target/bench-data beside the working directory), on the real disk.
 *
 * <p>
 * {@code writePairs16InFlightFixedMode} writes new files through a client with a fixed file mode
 * ({@code 0640}), which makes no lookup of the target before creating its temp file; the raw recipe
 * is the same as in {@code writePairs16InFlight}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch" })
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class ClientBenchmark {

    private static final byte[] KIB = new byte[1024];
    private static final int READ_FILES = 1000;

    @Param({ "NO_SYNC", "ATOMIC", "DURABLE" })
    Durability durability;

    Path dir;
    PersistenceClient client;
    PersistenceClient fixedModeClient;
    final AtomicLong names = new AtomicLong();

    /** Per thread and iteration: time spent in each side of the pairs. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Pairs {
        public long clientNanos;
        public long rawNanos;
        boolean clientFirst;

        @Setup(Level.Iteration)
        public void reset() {
            clientNanos = 0;
            rawNanos = 0;
        }
    }

    @Setup(Level.Iteration)
    public void freshDirectory() throws IOException {
        dir = BenchDirectory.fresh("run-");
        LockManager manager = LockManager.create();
        client = PersistenceClient.builder(manager).durability(durability).build();
        fixedModeClient = PersistenceClient.builder(manager).durability(durability)
                .filePermissions(PosixFilePermissions.fromString("rw-r-----")).build();
        for (int i = 0; i < READ_FILES; i++) {
            Files.write(dir.resolve("r" + i), KIB);
        }
    }

    @TearDown(Level.Iteration)
    public void removeDirectory() throws IOException {
        BenchDirectory.remove(dir);
    }

    @Benchmark
    @Threads(1)
    public void writePairs(Pairs pairs) throws IOException {
        writePair(pairs, client);
    }

    @Benchmark
    @Threads(16)
    public void writePairs16InFlight(Pairs pairs) throws IOException {
        writePair(pairs, client);
    }

    @Benchmark
    @Threads(16)
    public void writePairs16InFlightFixedMode(Pairs pairs) throws IOException {
        writePair(pairs, fixedModeClient);
    }

    @Benchmark
    @Threads(1)
    public void readPairs(Pairs pairs) throws IOException {
        readPair(pairs);
    }

    @Benchmark
    @Threads(16)
    public void readPairs16InFlight(Pairs pairs) throws IOException {
        readPair(pairs);
    }

    private void writePair(Pairs pairs, PersistenceClient writer) throws IOException {
        Path viaClient = newFile(), viaRaw = newFile();
        pair(pairs, () -> writer.write(viaClient, KIB), () -> rawWrite(viaRaw));
    }

    private void readPair(Pairs pairs) throws IOException {
        Path viaClient = readFile(), viaRaw = readFile();
        pair(pairs, () -> client.read(viaClient), () -> Files.readAllBytes(viaRaw));
    }

    /** Runs both sides, in the opposite order from the previous pair, and adds up their times. */
    private static void pair(Pairs pairs, TimedPair.Operation<IOException> viaClient,
            TimedPair.Operation<IOException> viaRaw) throws IOException {
        long[] nanos = TimedPair.time(pairs.clientFirst = !pairs.clientFirst, viaClient, viaRaw);
        pairs.clientNanos += nanos[0];
        pairs.rawNanos += nanos[1];
    }

    private Path newFile() {
        return dir.resolve("w" + names.incrementAndGet() + ".bin");
    }

    private Path readFile() {
        return dir.resolve("r" + ThreadLocalRandom.current().nextInt(READ_FILES));
    }

    /** The naive recipe of the level: temp file, (fdatasync or fsync), rename, (fsync the directory) — per write. */
    private void rawWrite(Path target) throws IOException {
        RawWrites.writeRenamed(target, KIB, durability == Durability.NO_SYNC ? RawWrites.FileSync.NONE
                : durability == Durability.DURABLE ? RawWrites.FileSync.FSYNC : RawWrites.FileSync.FDATASYNC);
        if (durability == Durability.DURABLE) {
            RawWrites.fsyncDirectory(target.getParent());
        }
    }
}
