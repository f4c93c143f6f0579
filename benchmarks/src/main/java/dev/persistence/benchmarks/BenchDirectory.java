package dev.persistence.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The file benchmarks' scratch directories: fresh ones under {@code benchmarks.dir} (default
 * target/bench-data beside the working directory, on the real disk), removed after each iteration.
 */
final class BenchDirectory {

    private BenchDirectory() {
    }

    /** A new, empty directory whose name starts with {@code prefix}. */
    static Path fresh(String prefix) throws IOException {
        Path base = Path.of(System.getProperty("benchmarks.dir", "target/bench-data")).toAbsolutePath();
        return Files.createDirectories(base.resolve(prefix + System.nanoTime()));
    }

    /** Deletes {@code dir} and everything in it. */
    static void remove(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
