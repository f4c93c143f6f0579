package dev.persistence;

import java.io.IOException;
import java.io.OutputStream;

/**
 * An output stream that replaces its target file atomically. Bytes go to a temp file in the
 * target's directory while the stream holds a WRITE lock on the target. {@link #close()}
 * commits: the temp file (in durable mode, after an fsync) is renamed over the target and the
 * lock is released. {@link #abort()} discards: the target is untouched, the temp file is
 * removed and the lock is released. After either, further writes throw {@link IOException}.
 *
 * <p>If writing or committing fails, the target keeps its old content, the temp file is
 * removed, the lock is released, and the original error is thrown.
 */
public abstract class AtomicOutputStream extends OutputStream {

    /* Package-private: the library owns every implementation. */
    AtomicOutputStream() {
    }

    /**
     * Discards everything written: the target is untouched, the temp file is removed and the
     * lock is released. Does nothing after {@code close()} or a previous {@code abort()}.
     *
     * @throws IOException if the temp file cannot be removed (the lock is released all the same)
     */
    public abstract void abort() throws IOException;
}
