package dev.persistence.spi;

import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.PathRefusedException;
import dev.persistence.PathRefusedException.Reason;

import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The path rules every {@link LockManager} implementation and the client apply: a path is
 * absolute, in normal form, and not a filesystem root when written. One place, so that all of
 * them refuse the same paths with the same words, before anything is enqueued or touched.
 */
public final class PathRules {

    private static final FileSystem DEFAULT_FS = FileSystems.getDefault();
    private static final char SEPARATOR = DEFAULT_FS.getSeparator().charAt(0);

    private PathRules() {
    }

    /** Refuses, with {@link PathRefusedException}, a path that may not be locked in {@code mode}; returns it otherwise. */
    public static Path requireLockable(Path path, LockMode mode) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(mode, "mode");
        if (!path.isAbsolute()) {
            throw new PathRefusedException(Reason.NOT_ABSOLUTE, path, "Path must be absolute: '" + path + "'");
        }
        if (!isNormal(path)) {
            throw new PathRefusedException(Reason.NOT_NORMAL, path,
                    "Path must be in normal form, without '.' or '..' segments: '" + path + "'");
        }
        if (mode == LockMode.WRITE && path.getNameCount() == 0) {
            throw new PathRefusedException(Reason.FILESYSTEM_ROOT, path, "A write on a filesystem root is refused: '" + path + "'");
        }
        return path;
    }

    /** No name is "." or ".."; the default provider has already folded redundant separators. */
    private static boolean isNormal(Path path) {
        if (path.getFileSystem() != DEFAULT_FS) {
            return path.equals(path.normalize());
        }
        String text = path.toString();
        int start = 0;
        for (int i = 0; i <= text.length(); i++) {
            if (i == text.length() || text.charAt(i) == SEPARATOR) {
                int length = i - start;
                if ((length == 1 || length == 2) && text.charAt(start) == '.' && text.charAt(i - 1) == '.') {
                    return false;
                }
                start = i + 1;
            }
        }
        return true;
    }

    /** Whether {@code ancestor} is {@code path} itself or lies above it (lexically). */
    public static boolean isAtOrAbove(Path ancestor, Path path) {
        return path.startsWith(ancestor);
    }

    /** Whether requests in these modes on these paths conflict: related paths, at least one write. */
    public static boolean conflict(Path a, LockMode modeA, Path b, LockMode modeB) {
        return (modeA == LockMode.WRITE || modeB == LockMode.WRITE) && related(a, b);
    }

    /** Whether one of the two paths is at or above the other: requests on them may conflict. */
    public static boolean related(Path a, Path b) {
        return a.startsWith(b) || b.startsWith(a);
    }
}
