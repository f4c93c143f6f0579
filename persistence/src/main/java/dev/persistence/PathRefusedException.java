package dev.persistence;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A path refused before anything was locked or touched: the caller's input is at fault, nothing
 * changed, and the same request will be refused again. Thrown by every {@link LockManager} and by
 * {@link PersistenceClient}; a REST mapping answers 400.
 *
 * <p>
 * {@link #getMessage()} names the path, for logs. {@link #publicMessage()} does not: it is
 * what a remote caller may be told (it never holds an absolute path), so a server does not
 * disclose where its data lives.
 */
public class PathRefusedException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** Why a path was refused; each has a message that names no path. */
    public enum Reason {
        /** The path is relative. */
        NOT_ABSOLUTE("The path must be absolute"),
        /** The path has {@code .} or {@code ..} segments. */
        NOT_NORMAL("The path must be in normal form, without '.' or '..' segments"),
        /** A write on a filesystem root. */
        FILESYSTEM_ROOT("A write on a filesystem root is refused"),
        /** The path lies outside the client's root. */
        OUTSIDE_ROOT("The path lies outside the data root"),
        /** A write, move or delete of the client's root itself. */
        DATA_ROOT("The data root itself is never replaced, moved or deleted"),
        /** The file name has the form of the client's temp names. */
        TEMP_NAME("The file name has the form of a temp file name"),
        /** A move of a path into itself or onto its own ancestor. */
        MOVE_INTO_ITSELF("A path cannot be moved into itself or onto its own ancestor"),
        /**
         * With a root, the path is or passes through a symbolic link below the root. Found on disk
         * under the lock, so thrown as {@link SymbolicLinkRefusedException}, an {@code IOException}.
         */
        SYMBOLIC_LINK("The path passes through a symbolic link inside the data root"),
        /** A path of a batch inside another path of the same batch. */
        NESTED_IN_BATCH("A batch cannot change both a path and a path inside it"),
        /** A path of a batch's move given again in the same batch. */
        MOVED_IN_BATCH("A path that a batch moves cannot be changed again in it"),
        /** A value meant as one path segment is not one (empty, {@code .}, {@code ..}, a separator, a control character). */
        NOT_A_SEGMENT("A path segment must be non-empty, not '.' or '..', without separators or control characters");

        private final String publicMessage;

        Reason(String publicMessage) {
            this.publicMessage = publicMessage;
        }

        /** This reason in words that name no path. */
        public String publicMessage() {
            return publicMessage;
        }
    }

    private final Reason reason;
    private final transient Path path;

    /**
     * @param reason why the path was refused
     * @param path the refused path, or {@code null} when there is none yet (a bad segment)
     * @param message the message for logs; may name the path
     */
    public PathRefusedException(Reason reason, Path path, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.path = path;
    }

    /** Why the path was refused. */
    public Reason reason() {
        return reason;
    }

    /** The refused path, or {@code null} when the refusal concerns a value not yet made a path. */
    public Path path() {
        return path;
    }

    /** What a remote caller may be told: the reason, without any path. */
    public String publicMessage() {
        return reason.publicMessage();
    }
}
