package dev.persistence.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build's entry points use the Maven Wrapper: a fresh clone runs {@code ./mvnw} (Maven 3.9.9, which
 * Quarkus dev mode needs) without any Maven installed, and the README and CI call it rather than {@code mvn}.
 */
class MavenWrapperTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void aFreshCloneRunsTheWrapperWithThePinnedMaven(@TempDir Path temp) throws Exception {
        assumeTrue(Files.exists(ROOT.resolve(".git")), "not a git checkout: nothing to clone");
        Path clone = temp.resolve("clone");
        assertEquals(0, run(temp, "git", "clone", "-q", "--no-hardlinks", ROOT.toString(), clone.toString()).exitCode,
                "git clone");

        Result version = run(clone, "./mvnw", "-v");

        assertEquals(0, version.exitCode, version.output);
        assertTrue(version.output.contains("Apache Maven 3.9.9"), version.output);
    }

    @Test
    void readmeAndCiCallTheWrapperNotTheInstalledMaven() throws IOException {
        List<String> plainMaven = new ArrayList<>();
        for (Path file : List.of(ROOT.resolve(".ci/run"), ROOT.resolve("README.md"))) {
            for (String line : Files.readAllLines(file)) {
                if (line.matches("(?:.*&& *|\\s*)mvn .*")) {
                    plainMaven.add(ROOT.relativize(file) + ": " + line);
                }
            }
        }
        assertEquals(List.of(), plainMaven);
        assertTrue(Files.readString(ROOT.resolve(".ci/run")).contains("./mvnw -B verify"));
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(Path directory, String... command) throws Exception {
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "timed out: " + String.join(" ", command));
        return new Result(process.exitValue(), output);
    }
}
