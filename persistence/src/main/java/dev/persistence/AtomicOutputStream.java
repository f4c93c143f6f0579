package dev.persistence;

import java.io.IOException;
import java.io.OutputStream;

/**
 * An output stream that replaces its target file atomically, and only when told to. Bytes go to a
 * temp file in the target's directory while the stream holds a WRITE lock on the target.
 * {@link #commit()} replaces the target: the temp file (fsync'd as the client's
 * {@linkplain Durability durability} requires) is renamed over it and the lock is released.
 * {@link #abort()} discards: the target is untouched, the temp file is removed and the lock is
 * released. {@link #close()} never commits: on a stream neither committed nor aborted it discards
 * too, and then throws {@link IllegalStateException}, so a forgotten {@code commit()} shows at
 * once instead of as a file that silently never changed. In try-with-resources an exception
 * thrown by the body wins: the close's complaint is only added to it as suppressed, and a stream
 * whose own write failed discards without complaint. So a failure in the middle of writing never
 * replaces the target with partial content, and the failure is what the caller sees:
 *
 * <pre>{@code
 * try (AtomicOutputStream out = client.newOutputStream(file)) {
 *     source.transferTo(out); // if this throws, close() discards and this exception propagates
 *     out.commit();
 * }
 * }</pre>
 *
 * After a commit or a discard, further writes throw {@link IOException}.
 *
 * <p>
 * If writing or committing fails, the target keeps its old content (unless only the directory
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
     *         (nothing is committed then), or if committing fails
     */
    public abstract void commit() throws IOException;

    /**
     * Discards everything written: the target is untouched, the temp file is removed and the
     * lock is released. Does nothing after a commit or a previous discard.
     *
     * @throws IOException if the temp file cannot be removed (the lock is released all the same)
     */
    public abstract void abort() throws IOException;

    /**
     * Does nothing after a commit or a discard; otherwise discards as {@link #abort()} does and
     * then, unless a write through this stream had already failed, throws
     * {@link IllegalStateException}: closing never commits, and closing without a decision is a
     * mistake.
     *
     * @throws IllegalStateException if the stream was neither committed nor aborted and no write
     *         through it had failed (its content is discarded all the same)
     * @throws IOException if the temp file of a failed stream cannot be removed
     */
    @Override
    public abstract void close() throws IOException;
}
