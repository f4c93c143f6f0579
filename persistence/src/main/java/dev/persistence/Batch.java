package dev.persistence;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import dev.persistence.PathRefusedException.Reason;

/**
 * Writes, deletes and moves of several paths that {@link #commit()} applies all together or not
 * at all, across a crash of the process and, at {@link Durability#ATOMIC} and
 * {@link Durability#DURABLE}, a power loss. Made by {@link PersistenceClient#batch()}:
 *
 * <pre>{@code
 * try (Batch batch = client.batch()) {
 *     batch.writeString(accounts.resolve("a.json"), debited);
 *     batch.writeString(accounts.resolve("b.json"), credited);
 *     batch.commit();
 * } // closed without a commit (an exception above): nothing happened
 * }</pre>
 *
 * <h2>Collecting</h2>
 * {@link #write}, {@link #writeString}, {@link #delete} and {@link #move} only record a change:
 * nothing is locked or touched before {@link #commit()}. Their paths are checked as the client's
 * own operations check them (and refused with {@link PathRefusedException} at once). A path given
 * twice keeps only the last change given for it (a write and then a delete of a path deletes it),
 * except the two paths of a move, which the move alone changes
 * ({@link PathRefusedException.Reason#MOVED_IN_BATCH}). A path inside another path of the batch is
 * refused with {@link PathRefusedException.Reason#NESTED_IN_BATCH}: the batch's changes have no
 * order. A write's bytes are copied when it is recorded.
 *
 * <h2>Committing</h2>
 * {@link #commit()} takes one WRITE lock on every path of the batch as one request
 * ({@link LockManager#acquireAll}, granted atomically, in arrival order, with the client's lock
 * timeout) — or runs at once inside a lock the calling thread already holds that covers them,
 * such as an enclosing {@code @Locked} method's. Readers and writers under locks see the batch
 * whole or not at all. Batches on disjoint paths commit in parallel. Under the lock every change
 * is checked against the files first: a delete of a missing path throws
 * {@link NoSuchFileException} (unless {@link DeleteOption#IGNORE_MISSING}), a delete of a
 * non-empty directory {@link DirectoryNotEmptyException} (unless {@link DeleteOption#RECURSIVE}),
 * a write onto a directory {@link FileSystemException}, a path through a symbolic link inside the
 * root {@link SymbolicLinkRefusedException}, a move of a missing path or of anything but a regular
 * file — and then nothing has happened.
 *
 * <p>
 * The batch is then made durable as an <em>intent</em>, a file that holds every change with its
 * new content (a moved file's too), in the deepest directory holding all the batch's paths (its
 * name has the form {@code .persistence-batch.<16 hex digits>.<temp suffix>}, which the client
 * refuses for its users' files). Once the intent is on disk the batch is committed: its changes are
 * applied, their directories fsync'd, and the intent deleted before the lock is released. If the
 * process dies or the power fails at any moment, {@link PersistenceClient#recover} of a directory
 * holding the intent (as the CDI and Quarkus start-up recovery of the root does) applies a
 * committed batch whole, and a batch that was not committed leaves nothing but temp files, which it
 * deletes. At {@link Durability#DURABLE} a batch whose {@code commit()} returned survives a power
 * loss; at {@link Durability#ATOMIC} a batch is after a power loss in place as a whole or not at
 * all — and since that needs the applied batch on disk before its intent goes, an ATOMIC batch
 * syncs exactly as a DURABLE one. At {@link Durability#NO_SYNC} a batch is all or nothing after a
 * crash of the process; a power loss may leave anything. The durability page of the documentation
 * gives the recipe and why it is correct.
 *
 * <p>
 * An exception before the commit point leaves nothing: no target changed, no temp file, no
 * intent. An exception after it (an I/O error while applying, say) says so in its message: the
 * batch is partly applied, and {@code recover} completes it. {@link #abort()}, and
 * {@link #close()} without a commit, discard the recorded changes; nothing was written for them.
 * A batch commits at most once, whether its commit succeeds or fails.
 *
 * <p>
 * A batch is for one thread at a time; it is not thread-safe.
 */
public final class Batch implements AutoCloseable {

    /*
     * The public face of batches: collects a batch's writes and deletes, checks them, takes their
     * lock and hands them to BatchJournal, which owns the crash-atomic recipe.
     */

    private final PersistenceClient client;
    /** Each path's last recorded change. */
    private final Map<Path, Pending> pending = new LinkedHashMap<>();
    private boolean finished;

    /** A recorded change of one path. */
    private sealed interface Pending permits Write, Delete, MoveTo, MoveFrom {
    }

    private record Write(byte[] content) implements Pending {
    }

    private record Delete(Set<DeleteOption> options) implements Pending {
    }

    /** The target of a move: it receives the file at {@code source}. */
    private record MoveTo(Path source) implements Pending {
    }

    /** The source of a move: it is gone after the commit. */
    private record MoveFrom() implements Pending {
    }

    Batch(PersistenceClient client) {
        this.client = client;
    }

    /**
     * Records a write: at the commit, {@code file} is replaced (or created, with its missing
     * parent directories) with {@code data}.
     *
     * @return this batch
     * @throws PathRefusedException if the client refuses the path for a write, or it lies inside another path of the
     *         batch or another inside it
     * @throws IllegalStateException if the batch was committed or aborted
     */
    public Batch write(Path file, byte[] data) {
        Objects.requireNonNull(data, "data");
        record(client.writable(file), new Write(data.clone()));
        return this;
    }

    /** {@link #write} of the text encoded as UTF-8. */
    public Batch writeString(Path file, CharSequence text) {
        return write(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Records a delete: at the commit, {@code path} is deleted, with the options of
     * {@link PersistenceClient#delete}.
     *
     * @return this batch
     * @throws PathRefusedException if the client refuses the path for a delete, or it lies inside another path of the
     *         batch or another inside it
     * @throws IllegalStateException if the batch was committed or aborted
     */
    public Batch delete(Path path, DeleteOption... options) {
        record(client.notRoot(path), new Delete(Set.of(options)));
        return this;
    }

    /**
     * Records a move: at the commit, the regular file at {@code source} is renamed to
     * {@code target}, replacing a file there and creating the target's missing parent directories.
     * Moving a path onto itself records nothing. The file's content goes into the batch's intent
     * (a recovery writes it to the target), so a batch moves regular files only; a source that is
     * not one fails the commit with {@link FileSystemException}, a missing one with
     * {@link NoSuchFileException}.
     *
     * @return this batch
     * @throws PathRefusedException if the client refuses either path for a move, one lies inside the other, either
     *         lies inside another path of the batch or another inside it, or either is already
     *         in the batch
     * @throws IllegalStateException if the batch was committed or aborted
     */
    public Batch move(Path source, Path target) {
        Path from = client.notRoot(source);
        Path to = client.writable(target);
        if (from.equals(to)) {
            return this;
        }
        if (to.startsWith(from) || from.startsWith(to)) {
            throw new PathRefusedException(Reason.MOVE_INTO_ITSELF, to, "Refused: cannot move '" + from + "' to '" + to
                    + "', one lies inside the other");
        }
        for (Path path : List.of(from, to)) {
            if (pending.containsKey(path)) {
                throw new PathRefusedException(Reason.MOVED_IN_BATCH, path, "Refused: '" + path
                        + "' is already in the batch, and a move's paths are changed by the move alone");
            }
        }
        record(from, new MoveFrom());
        record(to, new MoveTo(from));
        return this;
    }

    private void record(Path path, Pending change) {
        if (finished) {
            throw new IllegalStateException("The batch was already committed or aborted");
        }
        if (pending.get(path) instanceof MoveTo || pending.get(path) instanceof MoveFrom) {
            throw new PathRefusedException(Reason.MOVED_IN_BATCH, path, "Refused: '" + path
                    + "' is moved by the batch, and a move's paths are changed by the move alone");
        }
        for (Path other : pending.keySet()) {
            if (!other.equals(path) && (other.startsWith(path) || path.startsWith(other))) {
                throw new PathRefusedException(Reason.NESTED_IN_BATCH, path, "Refused: '" + path + "' and '" + other
                        + "' in one batch, one inside the other");
            }
        }
        pending.put(path, change);
    }

    /**
     * Applies every recorded change, all together or not at all: see the class description. A
     * batch with no changes does nothing.
     *
     * @throws IllegalStateException if the batch was committed or aborted
     * @throws LockTimeoutException if the client's lock timeout ran out first; nothing happened
     * @throws IOException a filesystem error, or {@link java.io.InterruptedIOException} if the thread was
     *         interrupted while waiting for the lock
     */
    public void commit() throws IOException {
        if (finished) {
            throw new IllegalStateException("The batch was already committed or aborted");
        }
        finished = true;
        if (pending.isEmpty()) {
            return;
        }
        try (PathLock lock = client.lockAll(List.copyOf(pending.keySet()))) {
            List<BatchJournal.Change> changes = new ArrayList<>(pending.size());
            List<BatchJournal.Change> movedAway = new ArrayList<>();
            Map<Path, Path> moves = new HashMap<>();
            for (Map.Entry<Path, Pending> entry : pending.entrySet()) {
                client.refuseLinks(entry.getKey());
            }
            for (Map.Entry<Path, Pending> entry : pending.entrySet()) {
                Path path = entry.getKey();
                Pending change = entry.getValue();
                if (change instanceof Write write) {
                    refuseDirectory(path);
                    changes.add(new BatchJournal.Change(path, write.content(), false));
                } else if (change instanceof Delete delete) {
                    if (deletes(path, delete.options())) {
                        boolean recursive = delete.options().contains(DeleteOption.RECURSIVE);
                        changes.add(new BatchJournal.Change(path, null, recursive));
                    }
                } else if (change instanceof MoveTo move) {
                    refuseDirectory(path);
                    changes.add(new BatchJournal.Change(path, movedContent(move.source()), false));
                    moves.put(path, move.source());
                } else {
                    movedAway.add(new BatchJournal.Change(path, null, false));
                }
            }
            changes.addAll(movedAway); // a moved file's old path is deleted after the move renamed it
            if (!changes.isEmpty()) {
                client.batches().commit(lock, changes, moves);
            }
        } finally {
            pending.clear();
        }
    }

    private static void refuseDirectory(Path target) throws FileSystemException {
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileSystemException(target.toString(), null,
                    "Is a directory; a batch writes and moves files only");
        }
    }

    /** The content of a moved file, which must be a regular file. */
    private static byte[] movedContent(Path source) throws IOException {
        if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
            throw new NoSuchFileException(source.toString());
        }
        if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileSystemException(source.toString(), null, "Not a regular file; a batch moves files only");
        }
        return Files.readAllBytes(source);
    }

    /** Whether a delete has something to delete; throws as {@link PersistenceClient#delete} would. */
    private static boolean deletes(Path path, Set<DeleteOption> options) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            if (options.contains(DeleteOption.IGNORE_MISSING)) {
                return false;
            }
            throw new NoSuchFileException(path.toString());
        }
        if (!options.contains(DeleteOption.RECURSIVE) && Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
                if (entries.iterator().hasNext()) {
                    throw new DirectoryNotEmptyException(path.toString());
                }
            }
        }
        return true;
    }

    /** Discards the recorded changes; nothing was written for them. Does nothing after a commit. */
    public void abort() {
        finished = true;
        pending.clear();
    }

    /** {@link #abort()}: a batch closed without a commit leaves nothing. */
    @Override
    public void close() {
        abort();
    }
}
