package dev.persistence.spi;

import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.Objects;

import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.PathRefusedException;
import dev.persistence.PathRefusedException.Reason;

/**
 * The path rules every {@link LockManager} implementation and the client apply: a path is
 * absolute, in normal form, and not a filesystem root when written. One place, so that all of
 * them refuse the same paths with the same words, before anything is enqueued or touched.
 */
public final class PathRules {

    private static final FileSystem DEFAULT_FS = FileSystems.getDefault();
    private static final char SEPARATOR = DEFAULT_FS.getSeparator().charAt(0);
    /** Where a name starting with a dot begins in the default provider's string form. */
    private static final String SEPARATOR_DOT = SEPARATOR + ".";

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
            throw new PathRefusedException(Reason.FILESYSTEM_ROOT, path,
                    "A write on a filesystem root is refused: '" + path + "'");
        }
        return path;
    }

    /**
     * No name is "." or ".."; the default provider has already folded redundant separators. The
     * path is absolute, so every name follows a separator: only a name that starts with a dot
     * needs a look, and most paths have none.
     */
    private static boolean isNormal(Path path) {
        if (path.getFileSystem() != DEFAULT_FS) {
            return path.equals(path.normalize());
        }
        String text = path.toString();
        // indexOf is a vectorised scan; a loop over the characters would cost several times more.
        for (int dot = text.indexOf(SEPARATOR_DOT); dot >= 0; dot = text.indexOf(SEPARATOR_DOT, dot + 1)) {
            int end = dot + 2; // just past the name's first dot
            if (end < text.length() && text.charAt(end) == '.') {
                end++;
            }
            if (end == text.length() || text.charAt(end) == SEPARATOR) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code ancestor} is {@code path} itself or lies above it (lexically). */
    public static boolean isAtOrAbove(Path ancestor, Path path) {
        return path.startsWith(ancestor);
    }

    /** Whether one of the two paths is at or above the other: requests on them may conflict. */
    public static boolean related(Path a, Path b) {
        return a.startsWith(b) || b.startsWith(a);
    }

    // ---------------------------------------------------------------- the conflict rule

    /**
     * Whether requests in these modes on these paths conflict: THE conflict rule of every
     * manager. They conflict when {@linkplain #modesConflict their modes conflict} and their
     * paths are {@linkplain #related related}.
     */
    public static boolean conflict(Path a, LockMode modeA, Path b, LockMode modeB) {
        return modesConflict(modeA, modeB) && related(a, b);
    }

    /** Whether requests in these modes conflict when their paths are related: at least one writes. */
    public static boolean modesConflict(LockMode a, LockMode b) {
        return a == LockMode.WRITE || b == LockMode.WRITE;
    }

    // ---------------------------------------------------------------- the rule on a tree of path prefixes

    /*
     * A manager that keeps one node per path prefix (the in-process tree, the ZooKeeper znodes)
     * puts one entry per node of a request's path: a real entry (R, W) on the requested path, an
     * intention entry (IR, IW) on each ancestor. Modes are small ints so that a node can keep one
     * list per mode in an array. A request's real entry is greater than its intention entry and
     * conflicts with all the intention does: where one request would put both on a node (one of
     * its paths below another), the greater stands for both.
     */

    /** Entry modes on one node: intention read and write (a request below it), read and write (a request on it). */
    public static final int IR = 0, IW = 1, R = 2, W = 3;
    /** The number of entry modes: IR, IW, R, W are {@code 0 .. ENTRY_MODES - 1}. */
    public static final int ENTRY_MODES = 4;

    /** The entry a request in {@code mode} puts on a node: a real one if the node is its path, else an intention. */
    public static int entryMode(LockMode mode, boolean onNode) {
        return (onNode ? R : IR) + (mode == LockMode.WRITE ? 1 : 0);
    }

    /** The mode of the request that put an entry of {@code entryMode}. */
    public static LockMode requestMode(int entryMode) {
        return (entryMode & 1) != 0 ? LockMode.WRITE : LockMode.READ;
    }

    /**
     * Whether two entries on one node conflict: {@link #conflict} where the node tells only part
     * of how the two paths relate. A real entry's path is the node's, so it is related to every
     * path through the node; two intentions' paths lie somewhere below it, related or not, and
     * meet again further down, where that is decided.
     */
    public static boolean entriesConflict(int a, int b) {
        return modesConflict(requestMode(a), requestMode(b)) && (a >= R || b >= R);
    }
}
