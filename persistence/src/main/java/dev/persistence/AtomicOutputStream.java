package dev.persistence;

import java.io.IOException;
import java.io.OutputStream;

/**
 * An output stream that replaces its target file atomically, and only when told to. Bytes go to a
 * temp file in the target's directory while the stream holds a WRITE lock on the target.
 * {@link #commit()} replaces the target: the temp file (fsync'd as the client's
 * {@linkplain Durability durability} requires) is renamed over it and the lock is released.
 * {@link #close()} without a commit, and {@link #abort()}, discard: the target is untouched, the
 * temp file is removed and the lock is released. So a stream closed by try-with-resources after a
 * failure in the middle of writing never replaces the target with partial content:
 * <pre>{@code
 * try (AtomicOutputStream out = client.newOutputStream(file)) {
 *     source.transferTo(out);   // if this throws, close() discards
 *     out.commit();
 * }
 * }</pre>
 * After a commit or a discard, further writes throw {@link IOException}.
 *
 * <p>If writing or committing fails, the target keeps its old content (unless only the directory
 * fsync after the rename failed, see {@link PersistenceClient}), the temp file is removed, the
 * lock is released, and the original error is thrown.
 */
public abstract class AtomicOutputStream extends OutputStream {

    /* Package-private: the library owns every implementation. */
    AtomicOutputStream() {
    }

    /**
     * Replaces the target with everything written and releases the lock. Does nothing after a
     * previous commit.
     *
     * @throws IOException if the stream was already discarded or a write through it failed
     *                     (nothing is committed then), or if committing fails
     */
    public abstract void commit() throws IOException;

    /**
     * Discards everything written: the target is untouched, the temp file is removed and the
     * lock is released. Does nothing after a commit or a previous discard.
     *
     * @throws IOException if the temp file cannot be removed (the lock is released all the same)
     */
    public abstract void abort() throws IOException;

    /** {@link #abort()} unless committed: closing never commits. */
    @Override
    public abstract void close() throws IOException;
}
