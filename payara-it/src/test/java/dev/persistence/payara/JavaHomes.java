package dev.persistence.payara;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Installed JDKs, found without naming one machine's path: the directories in {@code JAVA_HOME} and
 * {@code JAVA_HOME_*} variables (CI runners name one per release, e.g. {@code JAVA_HOME_21_X64}),
 * this JVM's home and its siblings, and {@code /usr/lib/jvm/*}. A directory counts when it has
 * {@code bin/java} and a {@code release} file naming its version.
 */
final class JavaHomes {

    private JavaHomes() {
    }

    /** The newest JDK of feature release {@code minimum} or later, if one is installed. */
    static Optional<Path> atLeast(int minimum) {
        return candidates().stream()
                .filter(home -> Files.isExecutable(home.resolve("bin").resolve("java")))
                .filter(home -> feature(home) >= minimum)
                .max(Comparator.comparingInt(JavaHomes::feature));
    }

    /** Where a JDK was looked for, for a message saying none was found. */
    static String searched() {
        return "JAVA_HOME, JAVA_HOME_*, " + thisHome().getParent() + "/*, /usr/lib/jvm/*";
    }

    private static List<Path> candidates() {
        List<Path> homes = new ArrayList<>();
        for (Map.Entry<String, String> variable : System.getenv().entrySet()) {
            if (variable.getKey().equals("JAVA_HOME") || variable.getKey().startsWith("JAVA_HOME_")) {
                homes.add(Path.of(variable.getValue()));
            }
        }
        homes.add(thisHome());
        addChildren(thisHome().getParent(), homes);
        addChildren(Path.of("/usr/lib/jvm"), homes);
        return homes;
    }

    private static Path thisHome() {
        return Path.of(System.getProperty("java.home")).toAbsolutePath();
    }

    private static void addChildren(Path directory, List<Path> homes) {
        if (directory == null || !Files.isDirectory(directory)) {
            return;
        }
        try (DirectoryStream<Path> children = Files.newDirectoryStream(directory)) {
            children.forEach(homes::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The feature release in {@code home/release} ({@code JAVA_VERSION="21.0.5"} is 21, "1.8.0_402" is 8); 0 if none. */
    private static int feature(Path home) {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release)) {
            return 0;
        }
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(release)) {
            properties.load(in);
        } catch (IOException unreadable) {
            return 0;
        }
        String version = properties.getProperty("JAVA_VERSION", "").replace("\"", "");
        String[] parts = version.split("[._+-]");
        try {
            int first = Integer.parseInt(parts[0]);
            return first == 1 && parts.length > 1 ? Integer.parseInt(parts[1]) : first;
        } catch (NumberFormatException notAVersion) {
            return 0;
        }
    }
}
