package dev.persistence;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Makes directory entries durable for a client: creates missing directories (under
 * {@link Durability#DURABLE} fsyncing each new directory's parent), makes a directory that some
 * writer created but has not yet made durable durable before a write into it is acknowledged, and
 * fsyncs a directory after a rename, delete or move changed it, group-committing concurrent fsyncs
 * of one directory. For any other level every method but the creation of directories does nothing.
 *
 * <p>
 * <b>Process-wide on purpose.</b> What this class knows are facts about the filesystem, not about
 * one client: that a directory was created and its entry is not yet durable, and that an fsync of a
 * directory is running. Every client in the JVM (the injected one, one built by hand, clients with
 * other temp suffixes or levels) may write into the same directories, so they must share it. A
 * durable write into a directory that another client has just created must not be acknowledged
 * before that directory's entry is durable — which only a shared record of not-yet-durable
 * directories can tell — and concurrent writes into one directory should share one fsync whichever
 * client made them. Per-client state would lose the first guarantee and the second saving.
 *
 * <p>
 * Thread-safe. The record of not-yet-durable directories is bounded by the directories that
 * exist: an entry goes when its parent's fsync succeeds, when its mkdir fails, and when a client
 * deletes it.
 */
final class DirectoryDurability {

    /*
     * The durability of directory entries, for every PersistenceClient of the process: creating missing
     * directories, knowing which created directories are not yet durable, and the group-committed
     * directory fsync. Its state is process-wide ON PURPOSE — see the class Javadoc — so it is static,
     * and an instance is only one client's view of it (whether to fsync at all, whom to tell).
     */

    /** Directories created by some durable client whose entry in their parent is not yet fsync'd. */
    private static final Set<Path> UNSYNCED = ConcurrentHashMap.newKeySet();

    /** Directory fsyncs are group-committed per stripe; a directory always maps to the same one. */
    private static final GroupSync[] STRIPES = new GroupSync[64];

    static {
        for (int i = 0; i < STRIPES.length; i++) {
            STRIPES[i] = new GroupSync();
        }
    }

    private final boolean durable;
    private final PersistenceClient.Listener listener;

    /** One client's view: fsyncs only for {@link Durability#DURABLE}; tells {@code listener} of each. */
    DirectoryDurability(Durability durability, PersistenceClient.Listener listener) {
        this.durable = durability == Durability.DURABLE;
        this.listener = listener;
    }

    /**
     * Makes sure {@code dir} exists. When it does, this costs one stat and no mkdir. Missing
     * directories are created top-down, every missing ancestor included (confinement to a root is
     * the caller's: it passes only directories whose creation is allowed). When durable, each new
     * directory's parent is fsync'd, and a directory that a concurrent writer has created but not
     * yet made durable is made durable here too, before this returns.
     */
    void createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            syncIfCreatedUnsynced(dir);
            return;
        }
        Deque<Path> missing = new ArrayDeque<>();
        for (Path d = dir; d != null && !Files.isDirectory(d); d = d.getParent()) {
            missing.push(d);
        }
        while (!missing.isEmpty()) {
            Path d = missing.pop();
            if (durable) {
                // Recorded before the mkdir: a writer that finds d afterwards must see it unsynced.
                UNSYNCED.add(d);
            }
            try {
                Files.createDirectory(d);
            } catch (FileAlreadyExistsException raced) {
                if (!Files.isDirectory(d)) {
                    UNSYNCED.remove(d);
                    throw raced;
                }
            } catch (IOException | RuntimeException | Error e) {
                UNSYNCED.remove(d);
                throw e;
            }
        }
        if (durable) {
            syncCreatedChain(dir);
        }
    }

    /**
     * When durable, makes {@code dir} durable if some writer created it and has not yet done so.
     * Call it once an entry in {@code dir} exists: the directory existed then, and its creator
     * recorded it before its mkdir, so it is not missed.
     */
    void syncIfCreatedUnsynced(Path dir) throws IOException {
        if (durable && !UNSYNCED.isEmpty() && UNSYNCED.contains(dir)) {
            syncCreatedChain(dir);
        }
    }

    /** Forgets the not-yet-durable directories at or below {@code deleted}, which no longer exist. */
    void deleted(Path deleted) {
        if (!UNSYNCED.isEmpty()) {
            UNSYNCED.removeIf(d -> d.startsWith(deleted));
        }
    }

    /**
     * When durable, fsyncs {@code dir} (nothing for {@code null}) after the caller changed its
     * entries, sharing the fsync with concurrent callers: it returns once an fsync that started
     * after this call did. A failed fsync throws and is never retried.
     */
    void sync(Path dir) throws IOException {
        if (durable && dir != null) {
            STRIPES[(dir.hashCode() & 0x7fffffff) % STRIPES.length].sync(dir, listener);
        }
    }

    /** Fsyncs the parent of {@code dir} and of each not-yet-durable directory above it, top-down. */
    private void syncCreatedChain(Path dir) throws IOException {
        List<Path> chain = new ArrayList<>();
        for (Path d = dir; d != null && UNSYNCED.contains(d); d = d.getParent()) {
            chain.add(d);
        }
        for (int i = chain.size() - 1; i >= 0; i--) {
            Path d = chain.get(i);
            sync(d.getParent());
            UNSYNCED.remove(d);
        }
    }

    /**
     * Group commit of directory fsyncs. Callers that arrive while an fsync runs join the next
     * batch; one fsync per directory in a batch acknowledges every caller of that batch, since
     * each of them asked only after its change completed and the batch's fsync starts after
     * every member asked. A failed fsync is final: every member of its batch fails with its
     * error (the member that ran it with the original exception, the others with an
     * {@link IOException} of the same message caused by it), and it is never retried, since after
     * a failed fsync the kernel may have dropped the dirty data and a retry can succeed falsely.
     */
    private static final class GroupSync {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition done = lock.newCondition();
        private Batch open = new Batch();
        private boolean running;

        void sync(Path dir, PersistenceClient.Listener listener) throws IOException {
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

            private static void fsync(Path dir) throws IOException {
                try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
                    channel.force(true);
                }
            }
        }
    }
}
