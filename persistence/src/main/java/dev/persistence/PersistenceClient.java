package dev.persistence;

import java.io.BufferedOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import dev.persistence.PathRefusedException.Reason;
import dev.persistence.spi.PathRules;
import dev.persistence.spi.PathSegments;

/**
 * Reads, writes, lists, moves and deletes files under hierarchical locks, replacing files
 * atomically, with the {@linkplain Durability durability} it was built with.
 *
 * <h2>Locks</h2>
 * Read-like operations ({@link #read}, {@link #readString}, {@link #collect}, {@link #newInputStream})
 * take a {@link LockMode#READ} lock on their path; write-like ones ({@link #write},
 * {@link #writeString}, {@link #newOutputStream}, {@link #delete}, {@link #move}, {@link #recover})
 * take a {@link LockMode#WRITE} lock. So a {@code collect} of a directory waits for writes
 * anywhere below it, and a write waits for reads of its file and of every directory above it.
 * Locks come from the blocking {@link LockManager#acquire}, so inside a lock the calling thread
 * already holds (or an {@code @Locked} method), calls on covered paths run at once — except
 * inside the lock of a stream ({@link #newInputStream}, {@link #newOutputStream}), which belongs
 * to no thread. With a
 * {@linkplain Builder#lockTimeout lock timeout} a wait that runs out throws
 * {@link LockTimeoutException}; an interrupted wait throws {@link InterruptedIOException} with
 * the thread's interrupt status set.
 *
 * <h2>Atomic replacement</h2>
 * A write goes to a temp file in the target's directory, named
 * {@code .<name>.<16 hex digits>.persistence.<tempSuffix>}, which is then renamed over the target
 * in one {@code rename(2)}. Readers — even ones that bypass the locks — see the old or the new
 * content, never a mix. A replaced file keeps its POSIX permissions, and its temp file has them
 * from its creation on (so the new content is never more readable than the old one); replacing
 * a symbolic link gives the new file the permissions of a new file. With
 * {@linkplain Builder#filePermissions fixed permissions}, every written file has exactly those
 * instead, from its temp file's creation on, and the target is not looked up first. On any
 * failure before the rename, the target keeps its old content, the temp file is removed, the lock
 * is released and the original exception is thrown (cleanup errors are added to it as suppressed).
 * {@link #recover} deletes the temp files a crash left behind; since it recognises them by name, a
 * write or move to a name of that form (for any temp suffix) is refused with
 * {@link PathRefusedException}.
 *
 * <h2>Durability</h2>
 * A process crash never leaves a torn file and never loses an acknowledged operation, at any
 * level. What survives a power loss depends on the {@linkplain Builder#durability level}:
 * {@link Durability#ATOMIC} (the default) fsyncs the temp file's data before the rename, so every
 * file holds one complete content it had; {@link Durability#DURABLE} in addition fsyncs the
 * directory after the rename, a created directory's parent, and the directories a delete or move
 * changed, so every acknowledged operation survives; {@link Durability#NO_SYNC} fsyncs nothing and
 * may leave torn or empty files. Every fsync happens before the call returns. Concurrent durable
 * writes into one directory share directory fsyncs: one fsync acknowledges every rename that
 * completed before it started. A failed fsync is final: every call that waited for it throws,
 * and it is never retried (after a failed fsync a retry can succeed for data the kernel dropped).
 * If the directory fsync after a rename fails, the new content is in place but the call throws:
 * an exception does not mean that nothing happened.
 *
 * <h2>Batches</h2>
 * {@link #batch()} collects writes, deletes and moves of several paths that commit together or not
 * at all, under one lock of them all, across a crash and (at {@link Durability#ATOMIC} and
 * {@link Durability#DURABLE}) a power loss; {@link #recover} completes a batch that a crash
 * interrupted after its commit point. See {@link Batch}.
 *
 * <h2>Paths</h2>
 * Every path is absolute and in normal form; with a {@linkplain Builder#root root}, it must lie
 * inside the root. Anything else is refused with {@link PathRefusedException} before anything is
 * locked or touched, and so are a write, move or delete of the root itself, a move of a path into
 * its own subtree (or onto an ancestor), and a write or move to a name of the temp-name form. With
 * a root, an operation whose path passes through a symbolic link below the root (or is one) fails
 * with {@link SymbolicLinkRefusedException}, a {@link java.nio.file.FileSystemException}: nothing is
 * read or written through it. Each refusal has a {@link PathRefusedException.Reason} and a
 * {@code publicMessage()} that names no path, for answers to remote callers. Missing directories
 * are created: a missing root is created on first use together with its missing parents (the
 * operator's own setting), and since a request path must lie inside the root, nothing else is
 * ever created outside it. The link check is made under the lock; a link swapped in by another
 * process between the check and the use is not detected (such a process bypasses the locks).
 * Without a root, symbolic links are not inspected. Filesystem errors surface as the JDK's own
 * {@link IOException} subclasses. The client works on any {@link java.nio.file.FileSystem}
 * provider's paths.
 *
 * <p>
 * Instances are immutable and thread-safe. What durable clients know about directories not yet
 * made durable, and their directory fsyncs, is shared by every client of the process (a durable
 * write into a directory another client has just created waits until that directory is durable).
 */
public final class PersistenceClient {

    /*
     * The filesystem client, a facade: every file operation of the library under the right lock of a
     * LockManager, with the guards of the root (path checks, symbolic links) and the streams. The
     * atomic-replacement recipe and its temp-name scheme are AtomicReplacement's; creating directories
     * and making directory entries durable, process-wide state, is DirectoryDurability's; the
     * crash-atomic recipe of batches is BatchJournal's.
     */

    private final LockManager manager;
    private final Durability durability;
    private final AtomicReplacement replacement;
    private final DirectoryDurability directories;
    private final Set<PosixFilePermission> filePermissions;
    private final Path root;
    private final Duration lockTimeout;
    private final Listener listener;
    private final BatchJournal batches;

    private PersistenceClient(Builder builder) {
        this.manager = builder.manager;
        this.durability = builder.durability;
        this.directories = new DirectoryDurability(builder.durability, builder.listener);
        this.replacement = new AtomicReplacement(builder.tempSuffix, builder.durability, builder.filePermissions,
                directories, builder.listener);
        this.filePermissions = builder.filePermissions;
        this.root = builder.root;
        this.lockTimeout = builder.lockTimeout;
        this.listener = builder.listener;
        this.batches = new BatchJournal(this, builder.tempSuffix, builder.durability, builder.filePermissions,
                builder.listener);
    }

    /** A builder of a client that takes its locks from {@code manager}. */
    public static Builder builder(LockManager manager) {
        return new Builder(manager);
    }

    /** What writes, deletes and moves guarantee after a power loss. */
    public Durability durability() {
        return durability;
    }

    /** Whether the level is {@link Durability#DURABLE}: operations are on disk before they return. */
    public boolean durable() {
        return durability == Durability.DURABLE;
    }

    /** The lock manager this client takes its locks from. */
    public LockManager lockManager() {
        return manager;
    }

    /** The permissions every written file gets, if {@linkplain Builder#filePermissions fixed}. */
    public Optional<Set<PosixFilePermission>> filePermissions() {
        return Optional.ofNullable(filePermissions);
    }

    /** The root every path must lie in, if one was set. */
    public Optional<Path> root() {
        return Optional.ofNullable(root);
    }

    /**
     * The path of {@code segments} under the root: {@code resolve("orders", id)} is
     * {@code <root>/orders/<id>}, and names exactly that entry whatever the values are. Each
     * segment is checked exactly as a {@link Locked @Locked} placeholder's value is: {@code null},
     * empty, {@code .}, {@code ..}, or a value containing {@code /}, {@code \}, NUL or another
     * control character is refused with {@link LockedPathValueException} (a
     * {@link PathRefusedException} with {@link PathRefusedException.Reason#NOT_A_SEGMENT}), so
     * untrusted input never reaches another level. No segments: the root itself.
     *
     * @throws LockedPathValueException if a segment is not one path segment
     * @throws IllegalStateException if this client has no root
     */
    public Path resolve(String... segments) {
        if (root == null) {
            throw new IllegalStateException("resolve needs a root, and this client has none (Builder.root, persistence.root)");
        }
        Path path = root;
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            if (!PathSegments.isSegment(segment)) { // the message is built only for a refusal
                PathSegments.require(segment, "PersistenceClient.resolve: segment " + i);
            }
            path = path.resolve(segment);
        }
        return path;
    }

    // ------------------------------------------------------------------ reads

    /** Reads a whole file under a READ lock. */
    public byte[] read(Path file) throws IOException {
        Path target = checked(file, LockMode.READ);
        try (PathLock lock = lock(target, LockMode.READ)) {
            refuseLinks(target);
            return Files.readAllBytes(target);
        }
    }

    /** Reads a whole file as UTF-8 under a READ lock. */
    public String readString(Path file) throws IOException {
        return new String(read(file), StandardCharsets.UTF_8);
    }

    /** The names of a directory's entries, sorted, under a READ lock on the directory. */
    public List<String> collect(Path dir) throws IOException {
        return collect(dir, false);
    }

    /**
     * The entries of a directory, sorted, under a READ lock on the directory. Recursive listings
     * give every file and directory below {@code dir} as a {@code '/'}-separated path relative to
     * it; symbolic links are listed, not followed.
     */
    public List<String> collect(Path dir, boolean recursive) throws IOException {
        Path target = checked(dir, LockMode.READ);
        try (PathLock lock = lock(target, LockMode.READ)) {
            refuseLinks(target);
            List<String> names = new ArrayList<>();
            if (!recursive) {
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(target)) {
                    for (Path entry : entries) {
                        names.add(entry.getFileName().toString());
                    }
                }
            } else {
                Files.walkFileTree(target, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                        if (!d.equals(target)) {
                            names.add(relative(target, d));
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                        names.add(relative(target, f));
                        return FileVisitResult.CONTINUE;
                    }
                });
            }
            Collections.sort(names);
            return names;
        }
    }

    /**
     * Opens a file for reading. The stream holds a READ lock on the file until it is closed;
     * closing it again does nothing.
     *
     * <p>
     * The stream's lock outlives this call, so it belongs to no thread: a later call of the
     * opening thread on a path it covers waits for the stream's close like any other thread's (on
     * a pooled thread, the next unrelated task neither slips into the lock nor is refused as a
     * deadlock). Close the stream from any thread.
     */
    public InputStream newInputStream(Path file) throws IOException {
        Path target = checked(file, LockMode.READ);
        PathLock lock = lock(target, LockMode.READ);
        lock.disown(); // outlives this call: a later task on this thread must wait for its close
        try {
            refuseLinks(target);
            return new LockedInputStream(Files.newInputStream(target), lock);
        } catch (IOException | RuntimeException | Error e) {
            lock.close();
            throw e;
        }
    }

    // ------------------------------------------------------------------ writes

    /**
     * Replaces (or creates) a file atomically under a WRITE lock, creating missing parent
     * directories. See the class description for the failure and durability guarantees.
     */
    public void write(Path file, byte[] data) throws IOException {
        Objects.requireNonNull(data, "data");
        long start = System.nanoTime();
        Path target = writable(file);
        try (PathLock lock = lock(target, LockMode.WRITE)) {
            refuseLinks(target);
            AtomicReplacement.Temp temp = replacement.create(target);
            try {
                temp.write(data);
            } catch (IOException | RuntimeException | Error e) {
                temp.discard(e);
                throw e;
            }
            temp.commit(lock);
        }
        listener.written(durability, System.nanoTime() - start);
    }

    /** {@link #write} of the text encoded as UTF-8. */
    public void writeString(Path file, CharSequence text) throws IOException {
        write(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Starts a {@link Batch} of writes, deletes and moves that {@link Batch#commit()} applies all
     * together or not at all, across a crash and, at {@link Durability#ATOMIC} and
     * {@link Durability#DURABLE}, a power loss.
     */
    public Batch batch() {
        return new Batch(this);
    }

    /**
     * Replaces (or creates) a file atomically with what {@code writer} writes, under a WRITE lock:
     * the content is committed when {@code writer} returns and discarded (the target untouched,
     * the temp file removed) when it throws, with its exception rethrown. Closing the stream
     * {@code writer} gets only flushes it. Inside {@code writer}, this thread holds the lock
     * re-entrantly, as in every other call.
     */
    public void write(Path file, ContentWriter writer) throws IOException {
        Objects.requireNonNull(writer, "writer");
        Path target = writable(file);
        AtomicOutputStream out = open(target, lock(target, LockMode.WRITE));
        try {
            writer.writeTo(new CallbackStream(out));
        } catch (IOException | RuntimeException | Error e) {
            try {
                out.abort();
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        out.commit();
    }

    /**
     * Opens an atomic output stream onto a file: bytes go to a temp file while the stream holds
     * a WRITE lock on the target. Only {@link AtomicOutputStream#commit()} replaces the target
     * (renames over it, with the fsyncs of the client's {@linkplain Durability level});
     * {@link AtomicOutputStream#abort()} discards, and so does {@link AtomicOutputStream#close()}
     * without a commit — which then throws {@link IllegalStateException}, since closing without
     * a decision is a forgotten commit (an exception already leaving try-with-resources wins; the
     * complaint is only suppressed in it). If a write through the stream fails, nothing can be
     * committed any more, and closing discards without complaint.
     *
     * <p>
     * The stream's lock outlives this call, so it belongs to no thread: a later call of the
     * opening thread on a path it covers waits for the stream to finish like any other thread's
     * (on a pooled thread, an unrelated task cannot slip into the stream's lock). To write a file
     * in one call, prefer {@link #write(Path, ContentWriter)}.
     */
    public AtomicOutputStream newOutputStream(Path file) throws IOException {
        Path target = writable(file);
        PathLock lock = lock(target, LockMode.WRITE);
        lock.disown();
        return open(target, lock);
    }

    /** Opens the temp file of {@code target} under {@code lock}; on failure releases the lock. */
    private AtomicOutputStream open(Path target, PathLock lock) throws IOException {
        try {
            refuseLinks(target);
            return new TempFileOutputStream(replacement.create(target), lock);
        } catch (IOException | RuntimeException | Error e) {
            lock.close();
            throw e;
        }
    }

    /**
     * Deletes a file or directory under a WRITE lock. Without options it behaves as
     * {@link Files#delete}: {@link NoSuchFileException} for a missing path,
     * {@link java.nio.file.DirectoryNotEmptyException} for a non-empty directory.
     * {@link DeleteOption#RECURSIVE} deletes a directory's contents first (symbolic links are
     * deleted, not followed); {@link DeleteOption#IGNORE_MISSING} makes a missing path a no-op.
     */
    public void delete(Path path, DeleteOption... options) throws IOException {
        Path target = notRoot(path);
        Set<DeleteOption> chosen = Set.of(options);
        try (PathLock lock = lock(target, LockMode.WRITE)) {
            refuseLinks(target);
            if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                if (chosen.contains(DeleteOption.IGNORE_MISSING)) {
                    return;
                }
                throw new NoSuchFileException(target.toString());
            }
            deleteEntry(target, chosen.contains(DeleteOption.RECURSIVE));
            directories.sync(target.getParent());
        }
    }

    /**
     * Deletes an existing file or directory, with everything below it if {@code recursive} (symbolic
     * links are deleted, not followed); the caller holds its WRITE lock and syncs its parent.
     */
    void deleteEntry(Path target, boolean recursive) throws IOException {
        if (recursive && Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.walkFileTree(target, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                    Files.delete(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException failure) throws IOException {
                    if (failure != null) {
                        throw failure;
                    }
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } else {
            Files.delete(target);
        }
        directories.deleted(target);
    }

    /**
     * Renames {@code source} to {@code target} atomically, replacing a file at the target,
     * under WRITE locks on both paths taken as one request. A missing source is refused with
     * {@link NoSuchFileException} before any directory is created; the target's missing parents
     * are created. Moving a path onto itself does nothing.
     */
    public void move(Path source, Path target) throws IOException {
        Path from = notRoot(source);
        Path to = writable(target);
        if (from.equals(to)) {
            return;
        }
        if (to.startsWith(from) || from.startsWith(to)) {
            throw new PathRefusedException(Reason.MOVE_INTO_ITSELF, to, "Refused: cannot move '" + from + "' to '" + to
                    + "', one lies inside the other");
        }
        try (PathLock lock = lockAll(List.of(from, to))) {
            refuseLinks(from);
            refuseLinks(to);
            if (!Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
                throw new NoSuchFileException(from.toString());
            }
            directories.createDirectories(to.getParent());
            if (!lock.isHeld()) {
                throw new LockLostException("Lock lost before moving " + from + " to " + to);
            }
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            directories.sync(from.getParent());
            if (!to.getParent().equals(from.getParent())) {
                directories.sync(to.getParent());
            }
        }
    }

    /**
     * Deletes, under a WRITE lock on {@code dir}, every temp file this client's naming scheme
     * (with its temp suffix) left anywhere below {@code dir} — what a crash between creating a
     * temp file and renaming it leaves behind — and returns how many it deleted; then completes
     * every {@linkplain Batch batch} whose intent file lies below {@code dir} (a batch that a
     * crash interrupted after its commit point), so that each batch is in place as a whole or not
     * at all. Other files are never touched. A missing directory has nothing to recover.
     */
    public int recover(Path dir) throws IOException {
        Path target = checked(dir, LockMode.WRITE);
        try (PathLock lock = lock(target, LockMode.WRITE)) {
            refuseLinks(target);
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                return 0;
            }
            Set<Path> touched = new HashSet<>();
            List<Path> intents = new ArrayList<>();
            int[] removed = { 0 };
            Files.walkFileTree(target, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                    if (attrs.isRegularFile() && isTempName(f.getFileName().toString())) {
                        Files.delete(f);
                        touched.add(f.getParent());
                        removed[0]++;
                    } else if (attrs.isRegularFile() && batches.isIntentName(f.getFileName().toString())) {
                        intents.add(f);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
            for (Path d : touched) {
                directories.sync(d);
            }
            batches.rollForward(intents, lock);
            listener.recovered(removed[0]);
            return removed[0];
        }
    }

    // ------------------------------------------------------------------ internals

    /**
     * Whether a file name is one of this client's temp names (of its temp suffix): what
     * {@link #recover} deletes. For tools that count orphaned temp files without deleting them.
     */
    public boolean isTempName(String fileName) {
        return replacement.isTempName(fileName);
    }

    /** The journal that commits this client's batches and completes them after a crash. */
    BatchJournal batches() {
        return batches;
    }

    private Path checked(Path path, LockMode mode) {
        PathRules.requireLockable(path, mode);
        if (root != null && !path.startsWith(root)) {
            throw new PathRefusedException(Reason.OUTSIDE_ROOT, path,
                    "Path '" + path + "' lies outside the root '" + root + "'");
        }
        return path;
    }

    /**
     * {@link #checked} for a path that a write or move creates: its name must not be in the
     * temp-name space of any suffix.
     */
    Path writable(Path path) {
        notRoot(path);
        String name = path.getFileName().toString();
        if (AtomicReplacement.hasTempNameForm(name) || BatchJournal.hasAnyIntentName(name)) {
            throw new PathRefusedException(Reason.TEMP_NAME, path, "Refused: '" + path.getFileName()
                    + "' has the form of a temp file name, which recover() would delete");
        }
        return path;
    }

    /** {@link #checked} for a WRITE on a path that is replaced, moved or deleted: never the root. */
    Path notRoot(Path path) {
        checked(path, LockMode.WRITE);
        if (path.equals(root)) {
            throw new PathRefusedException(Reason.DATA_ROOT, path,
                    "Refused: the root '" + root + "' itself is never replaced, moved or deleted");
        }
        return path;
    }

    private PathLock lock(Path path, LockMode mode) throws IOException {
        try {
            return lockTimeout == null ? manager.acquire(path, mode) : manager.acquire(path, mode, lockTimeout);
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    PathLock lockAll(List<Path> paths) throws IOException {
        try {
            return lockTimeout == null ? manager.acquireAll(paths, LockMode.WRITE)
                    : manager.acquireAll(paths, LockMode.WRITE, lockTimeout);
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    private static InterruptedIOException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        InterruptedIOException io = new InterruptedIOException("Interrupted while waiting for a lock");
        io.initCause(e);
        return io;
    }

    /** With a root: refuses a path that is, or passes through, a symbolic link below the root. */
    void refuseLinks(Path path) throws SymbolicLinkRefusedException {
        if (root == null) {
            return;
        }
        for (Path p = path; p != null && !p.equals(root); p = p.getParent()) {
            if (Files.isSymbolicLink(p)) {
                throw new SymbolicLinkRefusedException(path, p);
            }
        }
    }

    private static String relative(Path base, Path path) {
        Path rel = base.relativize(path);
        StringBuilder text = new StringBuilder();
        for (Path name : rel) {
            if (text.length() > 0) {
                text.append('/');
            }
            text.append(name);
        }
        return text.toString();
    }

    /** A file input stream that releases its READ lock when closed. */
    private static final class LockedInputStream extends FilterInputStream {
        private final PathLock lock;

        LockedInputStream(InputStream in, PathLock lock) {
            super(in);
            this.lock = lock;
        }

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } finally {
                lock.close();
            }
        }
    }

    /** The atomic output stream: a temp file committed by commit(), discarded by abort() or close(). */
    private final class TempFileOutputStream extends AtomicOutputStream {
        private final AtomicReplacement.Temp temp;
        private final Path target;
        private final OutputStream out;
        private final PathLock lock;
        private boolean committed;
        private boolean finished;
        private IOException failure;
        private final long opened = System.nanoTime();

        TempFileOutputStream(AtomicReplacement.Temp temp, PathLock lock) {
            this.temp = temp;
            this.target = temp.target();
            this.out = new BufferedOutputStream(Channels.newOutputStream(temp.channel()), 8192);
            this.lock = lock;
        }

        @Override
        public void write(int b) throws IOException {
            ensureOpen();
            try {
                out.write(b);
            } catch (IOException e) {
                throw failed(e);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ensureOpen();
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw failed(e);
            }
        }

        @Override
        public void flush() throws IOException {
            ensureOpen();
            try {
                out.flush();
            } catch (IOException e) {
                throw failed(e);
            }
        }

        @Override
        public void commit() throws IOException {
            if (committed) {
                return;
            }
            if (finished) {
                throw new IOException("Nothing committed to " + target + ": the stream was already discarded");
            }
            if (failure != null) {
                abort();
                throw new IOException("Nothing committed to " + target + ": an earlier write failed", failure);
            }
            finished = true;
            try {
                try {
                    out.flush();
                } catch (IOException | RuntimeException | Error e) {
                    temp.discard(e);
                    throw e;
                }
                temp.commit(lock);
            } finally {
                committed = temp.renamed();
                lock.close();
            }
            listener.written(durability, System.nanoTime() - opened);
        }

        @Override
        public void close() throws IOException {
            if (finished) {
                return;
            }
            boolean forgotten = failure == null; // a failed write already told the caller
            try {
                abort();
            } catch (IOException cleanup) {
                if (forgotten) {
                    throw forgottenCommit(cleanup);
                }
                throw cleanup;
            }
            if (forgotten) {
                throw forgottenCommit(null);
            }
        }

        private IllegalStateException forgottenCommit(IOException cleanup) {
            IllegalStateException e = new IllegalStateException("Stream to " + target
                    + " closed without commit(): its content was discarded; call commit() to replace the file,"
                    + " or abort() to discard it without this exception");
            if (cleanup != null) {
                e.addSuppressed(cleanup);
            }
            return e;
        }

        @Override
        public void abort() throws IOException {
            if (finished) {
                return;
            }
            finished = true;
            try {
                temp.discard();
            } finally {
                lock.close();
            }
        }

        private void ensureOpen() throws IOException {
            if (finished) {
                throw new IOException("Stream to " + target + " is already committed or discarded");
            }
            if (failure != null) {
                throw new IOException("Stream to " + target + " failed earlier; only abort() or close() remain", failure);
            }
        }

        private IOException failed(IOException e) {
            failure = e;
            return e;
        }
    }

    /**
     * The stream a {@link ContentWriter} writes to: closing it (as wrappers such as a
     * {@code Writer} do) only flushes; the client commits or discards.
     */
    private static final class CallbackStream extends OutputStream {
        private final AtomicOutputStream out;

        CallbackStream(AtomicOutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }

    /** Writes a file's new content for {@link #write(Path, ContentWriter)}. */
    @FunctionalInterface
    public interface ContentWriter {
        /** Writes the whole new content to {@code out}; throwing discards it. */
        void writeTo(OutputStream out) throws IOException;
    }

    /** Configures a {@link PersistenceClient}. Not thread-safe; {@link #build()} copies its state. */
    public static final class Builder {
        private final LockManager manager;
        private Durability durability = Durability.ATOMIC;
        private String tempSuffix = "tmp";
        private Set<PosixFilePermission> filePermissions;
        private Path root;
        private Duration lockTimeout;
        private Listener listener = Listener.NONE;

        private Builder(LockManager manager) {
            this.manager = Objects.requireNonNull(manager, "manager");
        }

        /** What writes, deletes and moves guarantee after a power loss (default {@link Durability#ATOMIC}). */
        public Builder durability(Durability durability) {
            this.durability = Objects.requireNonNull(durability, "durability");
            return this;
        }

        /**
         * Shorthand: {@code true} for {@link Durability#DURABLE}, {@code false} for the default
         * {@link Durability#ATOMIC}.
         */
        public Builder durable(boolean durable) {
            return durability(durable ? Durability.DURABLE : Durability.ATOMIC);
        }

        /** The last part of temp file names: 1 to 16 of {@code [A-Za-z0-9_-]} (default {@code "tmp"}). */
        public Builder tempSuffix(String suffix) {
            this.tempSuffix = AtomicReplacement.requireSuffix(Objects.requireNonNull(suffix, "suffix"));
            return this;
        }

        /**
         * Gives every file the client writes exactly these POSIX permissions — new and replaced
         * files, through every operation and stream, at every durability level — from its temp
         * file's creation on: they are set explicitly, so the umask does not narrow them. The target
         * is then not looked up before a write, which makes creating new files cheaper. {@code null}
         * (the default) keeps the default: a replaced regular file keeps its permissions, a new file
         * gets the default mode of a new file. A write on a filesystem without POSIX permissions then
         * fails with {@link UnsupportedOperationException}.
         */
        public Builder filePermissions(Set<PosixFilePermission> permissions) {
            this.filePermissions = permissions == null ? null : Set.copyOf(permissions);
            return this;
        }

        /** Confines the client to {@code root}, an absolute normal path (default: no root). */
        public Builder root(Path root) {
            this.root = root == null ? null : PathRules.requireLockable(root, LockMode.READ);
            return this;
        }

        /** How long an operation waits for its lock before {@link LockTimeoutException} (default: forever). */
        public Builder lockTimeout(Duration timeout) {
            if (timeout != null && timeout.isNegative()) {
                throw new IllegalArgumentException("Lock timeout must not be negative: " + timeout);
            }
            this.lockTimeout = timeout;
            return this;
        }

        /** Told of every completed write, fsync and recovery, for metrics (default: nobody). */
        public Builder listener(Listener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        public PersistenceClient build() {
            return new PersistenceClient(this);
        }
    }

    /**
     * Told what the client's storage work cost, for metrics; called on the thread that did the
     * work, after it succeeded. Implementations must be fast and must not throw.
     */
    public interface Listener {

        /** Tells nothing to nobody. */
        Listener NONE = new Listener() {
        };

        /** A write (of bytes, text or a committed stream) replaced its target, at {@code durability}. */
        default void written(Durability durability, long nanos) {
        }

        /** A temp file's data reached the disk ({@code fdatasync} or {@code fsync}). */
        default void fileSynced(long nanos) {
        }

        /** One group-committed directory fsync acknowledged {@code directories} directories' renames. */
        default void directoriesSynced(int directories, long nanos) {
        }

        /** {@link #recover(Path)} deleted {@code removed} orphaned temp files. */
        default void recovered(int removed) {
        }
    }
}
