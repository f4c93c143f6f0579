package dev.persistence;

import dev.persistence.PathRefusedException.Reason;
import dev.persistence.spi.PathRules;

import java.io.BufferedOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/*
 * The filesystem client: every file operation of the library, each under the right lock of a
 * LockManager, with atomic replacement (temp file + rename) at one of the durability levels.
 * It owns the temp-file naming scheme and permissions, directory creation, the guards of the
 * root, and the directory-fsync group commit.
 */

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
 * inside the lock of an {@link #newOutputStream} stream, which belongs to no thread. With a
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
 * a symbolic link gives the new file the permissions of a new file. On any failure before the
 * rename, the target keeps its old content, the temp file is removed, the lock is released and
 * the original exception is thrown (cleanup errors are added to it as suppressed).
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
 * <h2>Paths</h2>
 * Every path is absolute and in normal form; with a {@linkplain Builder#root root}, it must lie
 * inside the root. Anything else is refused with {@link PathRefusedException} before
 * anything is locked or touched, and so are a write, move or delete of the root itself and a move
 * of a path into its own subtree (or onto an ancestor). Missing directories are created up to the
 * root at most: nothing is ever created outside it. With a root, an operation whose path passes
 * through a symbolic link below the root (or is one) fails with {@link FileSystemException}:
 * nothing is read or written through it. This is checked under the lock; a link swapped in by another
 * process between the check and the use is not detected (such a process bypasses the locks).
 * Without a root, symbolic links are not inspected. Filesystem errors surface as the JDK's own
 * {@link IOException} subclasses. The client works on any {@link java.nio.file.FileSystem}
 * provider's paths.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class PersistenceClient {

    private static final String TEMP_MARKER = ".persistence.";
    private static final int TEMP_NAME_PREFIX_MAX = 64;
    private static final Pattern SUFFIX = Pattern.compile("[A-Za-z0-9_-]{1,16}");
    /** A temp name up to its marker: a dot, any characters (line breaks included), a dot and 16 hex digits. */
    private static final String TEMP_PREFIX = "\\..*\\.[0-9a-f]{16}";
    /** The temp names of every suffix: no user file may have one, or some client's recover would delete it. */
    private static final Pattern ANY_TEMP_NAME =
            Pattern.compile(TEMP_PREFIX + Pattern.quote(TEMP_MARKER) + SUFFIX.pattern(), Pattern.DOTALL);
    private static final Set<StandardOpenOption> TEMP_OPTIONS =
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

    private final LockManager manager;
    private final Durability durability;
    private final String tempSuffix;
    private final Pattern tempName;
    private final Path root;
    private final Duration lockTimeout;
    private final Listener listener;
    /** This client at the level its batches sync at (see {@link Batch}): itself, or its DURABLE twin. */
    private final PersistenceClient batchSyncing;

    private PersistenceClient(Builder builder) {
        this.manager = builder.manager;
        this.durability = builder.durability;
        this.tempSuffix = builder.tempSuffix;
        this.tempName = Pattern.compile(TEMP_PREFIX + Pattern.quote(TEMP_MARKER + tempSuffix), Pattern.DOTALL);
        this.root = builder.root;
        this.lockTimeout = builder.lockTimeout;
        this.listener = builder.listener;
        this.batchSyncing = durability == Durability.ATOMIC ? new PersistenceClient(this, Durability.DURABLE) : this;
    }

    /** A copy of {@code client} at another level. */
    private PersistenceClient(PersistenceClient client, Durability durability) {
        this.manager = client.manager;
        this.durability = durability;
        this.tempSuffix = client.tempSuffix;
        this.tempName = client.tempName;
        this.root = client.root;
        this.lockTimeout = client.lockTimeout;
        this.listener = client.listener;
        this.batchSyncing = this;
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

    /** The root every path must lie in, if one was set. */
    public java.util.Optional<Path> root() {
        return java.util.Optional.ofNullable(root);
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
     */
    public InputStream newInputStream(Path file) throws IOException {
        Path target = checked(file, LockMode.READ);
        PathLock lock = lock(target, LockMode.READ);
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
            Path temp = writeTemp(target, data);
            try {
                replace(lock, temp, target);
            } catch (IOException | RuntimeException | Error e) {
                discard(temp, e);
                throw e;
            }
            syncDirectory(target.getParent());
        }
        listener.written(durability, System.nanoTime() - start);
    }

    /**
     * Starts a {@link Batch} of writes, deletes and moves that {@link Batch#commit()} applies all
     * together or not at all, across a crash and, at {@link Durability#ATOMIC} and
     * {@link Durability#DURABLE}, a power loss.
     */
    public Batch batch() {
        return new Batch(this);
    }

    /** {@link #write} of the text encoded as UTF-8. */
    public void writeString(Path file, CharSequence text) throws IOException {
        write(file, text.toString().getBytes(StandardCharsets.UTF_8));
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
        try (AtomicOutputStream out = open(target, lock(target, LockMode.WRITE))) {
            writer.writeTo(new CallbackStream(out));
            out.commit();
        }
    }

    /**
     * Opens an atomic output stream onto a file: bytes go to a temp file while the stream holds
     * a WRITE lock on the target. Only {@link AtomicOutputStream#commit()} replaces the target
     * (renames over it, with the fsyncs of the client's {@linkplain Durability level});
     * {@link AtomicOutputStream#close()} without a commit, and {@link AtomicOutputStream#abort()},
     * discard. If a write through the stream fails, nothing can be committed any more.
     *
     * <p>The stream's lock outlives this call, so it belongs to no thread: a later call of the
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
            Path temp = tempFor(target);
            return new TempFileOutputStream(target, temp, createTempIn(temp, target), lock);
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
            syncDirectory(target.getParent());
        }
    }

    /**
     * Deletes an existing file or directory, with everything below it if {@code recursive} (symbolic
     * links are deleted, not followed); the caller holds its WRITE lock and fsyncs its parent.
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
        if (!UNSYNCED_DIRECTORIES.isEmpty()) {
            UNSYNCED_DIRECTORIES.removeIf(d -> d.startsWith(target));
        }
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
            ensureDirectory(to.getParent());
            if (!lock.isHeld()) {
                throw new LockLostException("Lock lost before moving " + from + " to " + to);
            }
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(from.getParent());
            if (!to.getParent().equals(from.getParent())) {
                syncDirectory(to.getParent());
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
            int[] removed = {0};
            Files.walkFileTree(target, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                    if (attrs.isRegularFile() && isTempName(f.getFileName().toString())) {
                        Files.delete(f);
                        touched.add(f.getParent());
                        removed[0]++;
                    } else if (attrs.isRegularFile() && BatchJournal.isIntentName(f.getFileName().toString(), tempSuffix)) {
                        intents.add(f);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
            for (Path d : touched) {
                syncDirectory(d);
            }
            BatchJournal.rollForward(this, intents);
            listener.recovered(removed[0]);
            return removed[0];
        }
    }

    // ------------------------------------------------------------------ internals

    /** Whether a file name is one of this client's temp names. */
    boolean isTempName(String name) {
        return tempName.matcher(name).matches();
    }

    private Path checked(Path path, LockMode mode) {
        PathRules.requireLockable(path, mode);
        if (root != null && !path.startsWith(root)) {
            throw new PathRefusedException(Reason.OUTSIDE_ROOT, path, "Path '" + path + "' lies outside the root '" + root + "'");
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
        if (ANY_TEMP_NAME.matcher(name).matches() || BatchJournal.hasAnyIntentName(name)) {
            throw new PathRefusedException(Reason.TEMP_NAME, path, "Refused: '" + path.getFileName()
                    + "' has the form of a temp file name, which recover() would delete");
        }
        return path;
    }

    /** {@link #checked} for a WRITE on a path that is replaced, moved or deleted: never the root. */
    Path notRoot(Path path) {
        checked(path, LockMode.WRITE);
        if (path.equals(root)) {
            throw new PathRefusedException(Reason.DATA_ROOT, path, "Refused: the root '" + root + "' itself is never replaced, moved or deleted");
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
    void refuseLinks(Path path) throws FileSystemException {
        if (root == null) {
            return;
        }
        for (Path p = path; p != null && !p.equals(root); p = p.getParent()) {
            if (Files.isSymbolicLink(p)) {
                throw new FileSystemException(path.toString(), p.toString(),
                        "Refused: the path passes through a symbolic link inside the root");
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

    /** The temp suffix, the last part of this client's temp file names. */
    String tempSuffix() {
        return tempSuffix;
    }

    /** This client at the level its batches sync at: {@link Durability#ATOMIC} ones sync as DURABLE ones. */
    PersistenceClient batchSyncing() {
        return batchSyncing;
    }

    /**
     * Writes {@code data} to a new temp file beside {@code target} (creating missing directories)
     * and syncs it at this client's level; returns the temp file. If this throws, no temp file is left.
     */
    Path writeTemp(Path target, byte[] data) throws IOException {
        Path temp = tempFor(target);
        FileChannel channel = createTempIn(temp, target);
        try (channel) {
            ByteBuffer buffer = ByteBuffer.wrap(data);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            syncData(channel);
        } catch (IOException | RuntimeException | Error e) {
            discard(temp, e);
            throw e;
        }
        return temp;
    }

    private Path tempFor(Path target) {
        String name = target.getFileName().toString();
        if (name.length() > TEMP_NAME_PREFIX_MAX) {
            // Keep the temp name within NAME_MAX for any valid target name; the prefix is cosmetic.
            int cut = TEMP_NAME_PREFIX_MAX;
            if (Character.isHighSurrogate(name.charAt(cut - 1))) {
                cut--;
            }
            name = name.substring(0, cut);
        }
        String random = Long.toHexString(ThreadLocalRandom.current().nextLong());
        StringBuilder temp = new StringBuilder(name.length() + 42).append('.').append(name).append('.');
        for (int i = random.length(); i < 16; i++) {
            temp.append('0');
        }
        return target.resolveSibling(temp.append(random).append(TEMP_MARKER).append(tempSuffix).toString());
    }

    /** Renames the temp file over the target; the lock must still be held at that moment. */
    void replace(PathLock lock, Path temp, Path target) throws IOException {
        if (!lock.isHeld()) {
            throw new LockLostException("Lock on " + target + " lost before commit; the write was discarded");
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * {@link #createTemp} in the target's directory, which is created first if it is missing — so
     * a write into an existing directory costs no stat of it. In durable mode a directory that
     * some writer created but has not yet made durable is made durable before this returns. It
     * is looked for only once the temp file exists: the directory existed then, and its creator
     * registers it as not yet durable before its mkdir. (Looked for earlier, a directory created
     * in between would be missed, and the write acknowledged before its directory was durable.)
     */
    private FileChannel createTempIn(Path temp, Path target) throws IOException {
        Path dir = target.getParent();
        FileChannel channel;
        try {
            channel = createTemp(temp, target);
        } catch (NoSuchFileException missingDirectory) {
            ensureDirectory(dir);
            return createTemp(temp, target);
        }
        if (durable() && !UNSYNCED_DIRECTORIES.isEmpty() && UNSYNCED_DIRECTORIES.contains(dir)) {
            try {
                syncCreatedChain(dir);
            } catch (IOException | RuntimeException | Error e) {
                abandon(channel, temp, e);
                throw e;
            }
        }
        return channel;
    }

    /**
     * Creates the temp file for {@code target}, never more readable than the target: a replaced
     * regular file's POSIX permissions are given at creation (the umask can only narrow them) and
     * then set exactly; a new file, or one replacing a symbolic link (whose own mode means
     * nothing), gets the default permissions of a new file, as the target will. If this throws,
     * no temp file is left.
     */
    private static FileChannel createTemp(Path temp, Path target) throws IOException {
        Set<PosixFilePermission> mode = replacedFileMode(target);
        if (mode == null) {
            return FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        }
        FileChannel channel = FileChannel.open(temp, TEMP_OPTIONS, PosixFilePermissions.asFileAttribute(mode));
        try {
            Files.setPosixFilePermissions(temp, mode);
        } catch (IOException | RuntimeException | Error e) {
            abandon(channel, temp, e);
            throw e;
        }
        return channel;
    }

    /** Closes and removes a temp file that will not be committed; cleanup errors go to {@code cause}. */
    private static void abandon(FileChannel channel, Path temp, Throwable cause) {
        try {
            channel.close();
        } catch (IOException closing) {
            cause.addSuppressed(closing);
        }
        discard(temp, cause);
    }

    /**
     * The permissions of the regular file at {@code target}; null if there is none or no POSIX.
     * A missing target costs one {@code access(2)}, not a failing {@code lstat} and its exception.
     */
    private static Set<PosixFilePermission> replacedFileMode(Path target) throws IOException {
        if (!Files.exists(target)) {
            return null; // missing, or a link to nothing: a new file either way
        }
        PosixFileAttributeView view = Files.getFileAttributeView(target, PosixFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            return null;
        }
        try {
            PosixFileAttributes old = view.readAttributes();
            return old.isRegularFile() ? old.permissions() : null;
        } catch (NoSuchFileException newFile) {
            return null;
        }
    }

    static void discard(Path temp, Throwable cause) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException | RuntimeException cleanup) {
            cause.addSuppressed(cleanup);
        }
    }

    /**
     * Makes sure {@code dir} exists. When it does, this costs one stat and no mkdir. Missing
     * directories are created top-down, the root at most (never one of its ancestors); in durable
     * mode each one's parent is fsync'd, and a directory that a concurrent writer has created but
     * not yet made durable is made durable here too before this write is acknowledged.
     */
    void ensureDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            if (durable() && UNSYNCED_DIRECTORIES.contains(dir)) {
                syncCreatedChain(dir);
            }
            return;
        }
        Deque<Path> missing = new ArrayDeque<>();
        for (Path d = dir; d != null && !Files.isDirectory(d); d = d.getParent()) {
            if (root != null && !d.startsWith(root)) {
                throw new NoSuchFileException(d.toString(), null,
                        "the root's parent is missing; nothing is created outside the root " + root);
            }
            missing.push(d);
        }
        while (!missing.isEmpty()) {
            Path d = missing.pop();
            if (durable()) {
                UNSYNCED_DIRECTORIES.add(d);
            }
            try {
                Files.createDirectory(d);
            } catch (FileAlreadyExistsException raced) {
                if (!Files.isDirectory(d)) {
                    UNSYNCED_DIRECTORIES.remove(d);
                    throw raced;
                }
            } catch (IOException | RuntimeException | Error e) {
                UNSYNCED_DIRECTORIES.remove(d);
                throw e;
            }
        }
        if (durable()) {
            syncCreatedChain(dir);
        }
    }

    /** Fsyncs the parent of {@code dir} and of each not-yet-durable directory above it. */
    private void syncCreatedChain(Path dir) throws IOException {
        List<Path> chain = new ArrayList<>();
        for (Path d = dir; d != null && UNSYNCED_DIRECTORIES.contains(d); d = d.getParent()) {
            chain.add(d);
        }
        for (int i = chain.size() - 1; i >= 0; i--) {
            Path d = chain.get(i);
            syncDirectory(d.getParent());
            UNSYNCED_DIRECTORIES.remove(d);
        }
    }

    /**
     * Makes a temp file's data reach the disk before its rename: {@code fdatasync} for
     * {@link Durability#ATOMIC} (data and size), {@code fsync} for {@link Durability#DURABLE}
     * (its permissions too).
     */
    private void syncData(FileChannel channel) throws IOException {
        if (durability != Durability.NO_SYNC) {
            long start = System.nanoTime();
            channel.force(durability == Durability.DURABLE);
            listener.fileSynced(System.nanoTime() - start);
        }
    }

    void syncDirectory(Path dir) throws IOException {
        if (durable() && dir != null) {
            DirectorySync.of(dir).sync(dir, listener);
        }
    }

    /**
     * Directories created by some durable client whose entry in their parent is not yet fsync'd.
     * Bounded by the directories that exist: an entry goes when its parent's fsync succeeds, when
     * its mkdir fails, and when the client deletes it.
     */
    private static final Set<Path> UNSYNCED_DIRECTORIES = ConcurrentHashMap.newKeySet();

    /**
     * Group commit of directory fsyncs. Callers that arrive while an fsync runs join the next
     * batch; one fsync per directory in a batch acknowledges every caller of that batch, since
     * each of them asked only after its rename completed and the batch's fsync starts after
     * every member asked. A failed fsync is final: every member of its batch fails with its
     * error (the member that ran it with the original exception, the others with an
     * {@link IOException} of the same message caused by it), and it is never retried, since after
     * a failed fsync the kernel may have dropped the dirty data and a retry can succeed falsely.
     */
    private static final class DirectorySync {
        private static final DirectorySync[] STRIPES = new DirectorySync[64];

        static {
            for (int i = 0; i < STRIPES.length; i++) {
                STRIPES[i] = new DirectorySync();
            }
        }

        private final ReentrantLock lock = new ReentrantLock();
        private final Condition done = lock.newCondition();
        private Batch open = new Batch();
        private boolean running;

        static DirectorySync of(Path dir) {
            return STRIPES[(dir.hashCode() & 0x7fffffff) % STRIPES.length];
        }

        void sync(Path dir, Listener listener) throws IOException {
            Batch batch;
            lock.lock();
            try {
                batch = open;
                batch.dirs.add(dir);
                while (!batch.finished) {
                    if (!running && open == batch) {
                        running = true;
                        open = new Batch();
                        lock.unlock();
                        long start = System.nanoTime();
                        try {
                            batch.run();
                        } finally {
                            listener.directoriesSynced(batch.dirs.size(), System.nanoTime() - start);
                            lock.lock();
                            running = false;
                            batch.finished = true;
                            done.signalAll();
                        }
                    } else {
                        done.awaitUninterruptibly();
                    }
                }
            } finally {
                lock.unlock();
            }
            IOException failure = batch.failed.get(dir);
            if (failure != null) {
                if (batch.runner == Thread.currentThread()) {
                    throw failure;
                }
                throw new IOException(failure.getMessage(), failure);
            }
        }

        private static final class Batch {
            final Set<Path> dirs = new HashSet<>();
            final Map<Path, IOException> failed = new HashMap<>();
            Thread runner;
            boolean finished;

            void run() {
                runner = Thread.currentThread();
                for (Path dir : dirs) {
                    try {
                        fsync(dir);
                    } catch (IOException e) {
                        failed.put(dir, e);
                    } catch (RuntimeException e) {
                        failed.put(dir, new IOException(e.getMessage(), e));
                    }
                }
            }
        }

        static void fsync(Path dir) throws IOException {
            try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
                channel.force(true);
            }
        }
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
        private final Path target;
        private final Path temp;
        private final FileChannel channel;
        private final OutputStream out;
        private final PathLock lock;
        private boolean committed;
        private boolean finished;
        private IOException failure;
        private final long opened = System.nanoTime();

        TempFileOutputStream(Path target, Path temp, FileChannel channel, PathLock lock) {
            this.target = target;
            this.temp = temp;
            this.channel = channel;
            this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 8192);
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
                    syncData(channel);
                } finally {
                    channel.close();
                }
                replace(lock, temp, target);
            } catch (IOException | RuntimeException | Error e) {
                discard(temp, e);
                lock.close();
                throw e;
            }
            committed = true;
            try {
                syncDirectory(target.getParent());
            } finally {
                lock.close();
            }
            listener.written(durability, System.nanoTime() - opened);
        }

        @Override
        public void close() throws IOException {
            abort();
        }

        @Override
        public void abort() throws IOException {
            if (finished) {
                return;
            }
            finished = true;
            try {
                channel.close();
                Files.deleteIfExists(temp);
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
            Objects.requireNonNull(suffix, "suffix");
            if (!SUFFIX.matcher(suffix).matches()) {
                throw new IllegalArgumentException("Temp suffix must be 1 to 16 of [A-Za-z0-9_-]: '" + suffix + "'");
            }
            this.tempSuffix = suffix;
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
        Listener NONE = new Listener() { };

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
