package dev.persistence.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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
 * raw NIO, at each {@link Durability} level, sequentially and with 16 in flight. The raw recipe
 * of a level makes the same calls the level promises: temp file + atomic rename; for
 * {@code ATOMIC} also {@code fdatasync} of the temp file; for {@code DURABLE} {@code fsync} of the
 * temp file and of the directory. Files live under {@code benchmarks.dir} (default: target/bench-data
 * beside the working directory), on the real disk.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 1)
public class ClientBenchmark {

    private static final byte[] KIB = new byte[1024];
    private static final int READ_FILES = 1000;

    @Param({"NO_SYNC", "ATOMIC", "DURABLE"})
    Durability durability;

    Path dir;
    PersistenceClient client;
    final AtomicLong names = new AtomicLong();

    @Setup(Level.Iteration)
    public void freshDirectory() throws IOException {
        dir = BenchDirectory.fresh("run-");
        client = PersistenceClient.builder(LockManager.create()).durability(durability).build();
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
    public void writeClient() throws IOException {
        client.write(newFile(), KIB);
    }

    @Benchmark
    @Threads(16)
    public void writeClient16InFlight() throws IOException {
        client.write(newFile(), KIB);
    }

    @Benchmark
    @Threads(1)
    public void writeBaselineRawNio() throws IOException {
        rawWrite(newFile());
    }

    @Benchmark
    @Threads(16)
    public void writeBaselineRawNio16InFlight() throws IOException {
        rawWrite(newFile());
    }

    @Benchmark
    @Threads(1)
    public byte[] readClient() throws IOException {
        return client.read(readFile());
    }

    @Benchmark
    @Threads(16)
    public byte[] readClient16InFlight() throws IOException {
        return client.read(readFile());
    }

    @Benchmark
    @Threads(1)
    public byte[] readBaselineFilesReadAllBytes() throws IOException {
        return Files.readAllBytes(readFile());
    }

    @Benchmark
    @Threads(16)
    public byte[] readBaselineFilesReadAllBytes16InFlight() throws IOException {
        return Files.readAllBytes(readFile());
    }

    private Path newFile() {
        return dir.resolve("w" + names.incrementAndGet() + ".bin");
    }

    private Path readFile() {
        return dir.resolve("r" + ThreadLocalRandom.current().nextInt(READ_FILES));
    }

    /** The naive recipe of the level: temp file, (fdatasync or fsync), rename, (fsync the directory) — per write. */
    private void rawWrite(Path target) throws IOException {
        Path temp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(KIB));
            if (durability != Durability.NO_SYNC) {
                channel.force(durability == Durability.DURABLE);
            }
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        if (durability == Durability.DURABLE) {
            try (FileChannel directory = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
                directory.force(true);
            }
        }
    }
}
