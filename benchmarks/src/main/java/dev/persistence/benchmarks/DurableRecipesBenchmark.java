package dev.persistence.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import dev.persistence.Durability;
import dev.persistence.LockManager;
import dev.persistence.PersistenceClient;
import dev.persistence.benchmarks.RawWrites.FileSync;

/**
 * Durable 1 KiB writes of new files into one directory, 16 in flight: the client at
 * {@link Durability#DURABLE} against the raw recipes a hand-written program could use, to find
 * the best one on this disk. Per write: temp file, file sync, rename, directory fsync — the file
 * synced by {@code fsync} or by {@code fdatasync}, and the directory fsync'd once per write or
 * group-committed (one fsync acknowledges every rename that completed before it started, as the
 * client does).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch" })
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(16)
public class DurableRecipesBenchmark {

    private static final byte[] KIB = new byte[1024];

    Path dir;
    PersistenceClient client;
    final AtomicLong names = new AtomicLong();
    final DirectoryGroupCommit groupCommit = new DirectoryGroupCommit();

    @Setup(Level.Iteration)
    public void freshDirectory() throws IOException {
        dir = BenchDirectory.fresh("durable-");
        client = PersistenceClient.builder(LockManager.create()).durability(Durability.DURABLE).build();
    }

    @TearDown(Level.Iteration)
    public void removeDirectory() throws IOException {
        BenchDirectory.remove(dir);
    }

    @Benchmark
    public void client() throws IOException {
        client.write(newFile(), KIB);
    }

    @Benchmark
    public void rawFsyncPerWrite() throws IOException {
        RawWrites.fsyncDirectory(RawWrites.writeRenamed(newFile(), KIB, FileSync.FSYNC).getParent());
    }

    @Benchmark
    public void rawFdatasyncPerWrite() throws IOException {
        RawWrites.fsyncDirectory(RawWrites.writeRenamed(newFile(), KIB, FileSync.FDATASYNC).getParent());
    }

    @Benchmark
    public void rawFsyncGroupCommit() throws IOException, InterruptedException {
        groupCommit.sync(RawWrites.writeRenamed(newFile(), KIB, FileSync.FSYNC).getParent());
    }

    @Benchmark
    public void rawFdatasyncGroupCommit() throws IOException, InterruptedException {
        groupCommit.sync(RawWrites.writeRenamed(newFile(), KIB, FileSync.FDATASYNC).getParent());
    }

    private Path newFile() {
        return dir.resolve("w" + names.incrementAndGet() + ".bin");
    }

    /** The textbook group commit for one directory: a caller waits for an fsync that started after it asked. */
    static final class DirectoryGroupCommit {
        private long asked, done;
        private boolean running;

        void sync(Path directory) throws IOException, InterruptedException {
            long upTo;
            synchronized (this) {
                long ticket = ++asked;
                while (running && done < ticket) {
                    wait();
                }
                if (done >= ticket) {
                    return;
                }
                running = true; // this caller leads the next batch: everyone who asked so far
                upTo = asked;
            }
            boolean synced = false;
            try {
                RawWrites.fsyncDirectory(directory);
                synced = true;
            } finally {
                synchronized (this) {
                    running = false;
                    if (synced) {
                        done = upTo;
                    }
                    notifyAll();
                }
            }
        }
    }
}
