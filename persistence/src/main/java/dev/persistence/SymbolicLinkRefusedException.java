package dev.persistence;

import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * A client with a root refused a path that is, or passes through, a symbolic link below the root:
 * nothing was read or written through the link. Unlike a {@link PathRefusedException}, this is
 * found on disk, under the operation's lock, so it is a {@link FileSystemException}, as the JDK
 * reports what it finds there; the caller's input is still what is refused, and a REST mapping
 * answers 400.
 *
 * <p>
 * {@link #getMessage()} names the path and the link, for logs. {@link #publicMessage()} does
 * not: it is what a remote caller may be told (it never holds a path).
 */
public class SymbolicLinkRefusedException extends FileSystemException {

    private static final long serialVersionUID = 1L;

    /**
     * @param path the refused path
     * @param link the symbolic link it is or passes through
     */
    public SymbolicLinkRefusedException(Path path, Path link) {
        super(path.toString(), link.toString(), "Refused: the path passes through a symbolic link inside the root");
    }

    /** Why the path was refused: always {@link PathRefusedException.Reason#SYMBOLIC_LINK}. */
    public PathRefusedException.Reason reason() {
        return PathRefusedException.Reason.SYMBOLIC_LINK;
    }

    /** What a remote caller may be told: the reason, without any path. */
    public String publicMessage() {
        return reason().publicMessage();
    }
}
