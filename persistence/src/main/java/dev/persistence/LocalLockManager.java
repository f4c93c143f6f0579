package dev.persistence;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/*
 * The in-process LockManager. It owns the lock tree, the arrival order and every state
 * transition of a request; nothing else in the library decides who holds what.
 *
 * Design: multi-granularity locking (Gray et al.) with strict FIFO.
 *   - The tree holds one node per path prefix that some held or waiting request goes through.
 *     A request on /a/b/c puts one entry on each node of its path: an intention entry
 *     (IR for a read, IW for a write) on "/", "/a" and "/a/b", and a real entry (R or W) on
 *     "/a/b/c". A multi-path request puts one entry per node of the union of its paths.
 *   - At one node, entries conflict as in the classic matrix: W conflicts with everything,
 *     R with IW, IW with R, IR only with W. Two requests conflict (same or related paths, one
 *     writes) exactly when their entries on the shallower path's node conflict.
 *   - A request gets one sequence number when it is enqueued, under the manager's mutex, so all
 *     its entries arrive at one instant. An entry is free when no live, earlier, conflicting
 *     entry sits on its node; a request is granted when all its entries are free. That is the
 *     FIFO rule of the contract: granted exactly when every earlier conflicting request is gone.
 *   - Each node keeps its entries in four arrival-ordered lists, one per entry mode. Whether an
 *     entry of mode m is free depends only on the heads of the lists m conflicts with, so the
 *     free entries of a list are a prefix, and each list keeps a cursor at its first blocked
 *     entry. A release re-checks the four cursors of each node it leaves and advances them over
 *     the entries it freed. Cost per request: O(path depth) plus the entries it frees; nothing
 *     depends on how many other paths are locked.
 *   - A node is unlinked as soon as it holds no entry, so an idle manager keeps no nodes.
 *   - Fast path: while the tree is empty, one request at a time may take the manager without
 *     the mutex and without nodes, by a CAS of the {@code solo} slot from null to itself; it is
 *     granted at once (nothing can conflict with it) and released by the reverse CAS. Any
 *     request that finds the slot taken goes through the mutex, whose first act is to swing the
 *     slot to TREE and, if a solo request was there, to adopt it: give it the next sequence
 *     number and place its entries like any granted request's. The slot returns to null when a
 *     critical section leaves the tree empty. So arrival order is still one total order: the
 *     solo request arrived at its CAS, before anything that later finds it in the slot.
 *
 * Waiters park outside the mutex; grants are signalled (unpark, future completion) after the
 * mutex is released, so no user code ever runs under it.
 */
final class LocalLockManager implements LockManager {

    // Entry modes at a node.
    private static final int IR = 0, IW = 1, R = 2, W = 3;

    // Request states; transitions happen under the mutex only.
    private static final int WAITING = 0, GRANTED = 1, RELEASED = 2, WITHDRAWN = 3;

    /** The {@code solo} slot's value while the tree is in use: every request goes through the mutex. */
    private static final Object TREE = new Object();
    private static final VarHandle SOLO;

    static {
        try {
            SOLO = MethodHandles.lookup().findVarHandle(LocalLockManager.class, "solo", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** null (tree empty, slot free), the one granted request taken by the fast path, or TREE. */
    private volatile Object solo;
    private final ReentrantLock mutex = new ReentrantLock();
    /** Above the filesystem roots: permanent, holds no entries, not counted in {@code nodes}. */
    private final Node top = new Node(null, "", 0, 0, 0);

    private long arrivals;
    private int nodes;
    private int activeReaders;
    private int activeWriters;
    private int queued;
    private Request oldestWaiting;
    private Request newestWaiting;
    /** Requests granted during the current critical section, signalled after it. */
    private Request grantedChain;

    @Override
    public PathLock acquire(Path path, LockMode mode) throws InterruptedException {
        return acquireOwned(null, path, mode, -1L);
    }

    @Override
    public PathLock acquire(Path path, LockMode mode, Duration timeout) throws InterruptedException {
        return acquireOwned(null, path, mode, timeoutNanos(timeout));
    }

    @Override
    public PathLock acquireAll(Collection<Path> paths, LockMode mode) throws InterruptedException {
        return acquireOwned(List.copyOf(paths), first(paths), mode, -1L);
    }

    @Override
    public PathLock acquireAll(Collection<Path> paths, LockMode mode, Duration timeout) throws InterruptedException {
        return acquireOwned(List.copyOf(paths), first(paths), mode, timeoutNanos(timeout));
    }

    @Override
    public CompletableFuture<PathLock> acquireAsync(Path path, LockMode mode) {
        return acquireAsync(path, mode, List.of());
    }

    @Override
    public CompletableFuture<PathLock> acquireAsyncInContext(Path path, LockMode mode) {
        return acquireAsync(path, mode, LockContext.current());
    }

    private CompletableFuture<PathLock> acquireAsync(Path path, LockMode mode, List<PathLock> context) {
        PathRules.requireLockable(path, mode);
        Request request = new Request(path, mode, null);
        if (context.isEmpty() && tryFastGrant(request)) {
            return CompletableFuture.completedFuture(request);
        }
        CompletableFuture<PathLock> future = new CompletableFuture<>();
        request.future = future;
        mutex.lock();
        try {
            enterTree();
            if (!context.isEmpty()) {
                PathLock pinned = pinnedHold(request, context);
                if (pinned != null) {
                    future.complete(pinned);
                    return future;
                }
            }
            enqueue(request);
        } finally {
            unlockAndSignal();
        }
        if (!future.isDone()) {
            // Any completion other than our grant (cancel, completeExceptionally, ...) withdraws.
            future.whenComplete((lock, failure) -> {
                if (failure != null || lock != request) {
                    request.abandon();
                }
            });
        }
        return future;
    }

    @Override
    public LockStats stats() {
        mutex.lock();
        try {
            if (solo instanceof Request only) {
                // Solo implies an empty tree: the one request is the whole state.
                boolean write = only.mode == LockMode.WRITE;
                return new LockStats(0, write ? 0 : 1, write ? 1 : 0, Duration.ZERO, only.path.getNameCount() + 1);
            }
            Duration oldest = oldestWaiting == null ? Duration.ZERO
                    : Duration.ofNanos(Math.max(0L, System.nanoTime() - oldestWaiting.since));
            return new LockStats(queued, activeReaders, activeWriters, oldest, nodes);
        } finally {
            mutex.unlock();
        }
    }

    @Override
    public String toString() {
        return "LocalLockManager" + stats();
    }

    // ---------------------------------------------------------------- acquisition

    /** {@code paths} is null for a single-path request on {@code first}. */
    private PathLock acquireOwned(List<Path> paths, Path first, LockMode mode, long timeoutNanos)
            throws InterruptedException {
        if (paths == null) {
            PathRules.requireLockable(first, mode);
        } else {
            for (Path path : paths) {
                PathRules.requireLockable(path, mode);
            }
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        List<PathLock> context = LockContext.current();
        Request request = new Request(first, mode, paths);
        if (paths == null && context.isEmpty() && tryFastGrant(request)) {
            return owned(request);
        }
        mutex.lock();
        try {
            enterTree();
            if (!context.isEmpty()) {
                PathLock nested = nestedHold(request, context);
                if (nested != null) {
                    return nested;
                }
            }
            enqueue(request);
            if (request.state == WAITING) {
                if (timeoutNanos == 0L) {
                    withdraw(request);
                    throw new LockTimeoutException("Lock not free now: " + describe(request));
                }
                if (!context.isEmpty() && waitsOnHoldOf(request, context)) {
                    withdraw(request);
                    throw new IllegalStateException("Deadlock refused: " + describe(request)
                            + " would wait on a lock this thread holds");
                }
            }
        } finally {
            unlockAndSignal();
        }
        if (request.state != GRANTED) {
            awaitGrant(request, timeoutNanos);
        }
        return owned(request);
    }

    /** Puts a granted request in the calling thread's context and returns it. */
    private static PathLock owned(Request request) {
        request.hold = LockContext.own(request);
        if (request.state != GRANTED) {
            request.hold.end(); // closed by another thread already
        }
        return request;
    }

    // ---------------------------------------------------------------- the fast path

    /**
     * Grants a single-path request at once, without the mutex or any node, if the manager holds
     * nothing else; returns whether it did.
     */
    private boolean tryFastGrant(Request request) {
        if (solo != null) {
            return false;
        }
        request.state = GRANTED; // published by the CAS; never seen otherwise
        if (SOLO.compareAndSet(this, null, request)) {
            return true;
        }
        request.state = WAITING;
        return false;
    }

    /**
     * Mutex held: makes the tree the manager's state. A solo request found in the slot is adopted:
     * it takes the next sequence number and its entries, exactly as if it had been enqueued and
     * granted through the mutex at its CAS.
     */
    private void enterTree() {
        while (true) {
            Object current = solo;
            if (current == TREE) {
                return;
            }
            if (SOLO.compareAndSet(this, current, TREE)) {
                if (current != null) {
                    Request adopted = (Request) current;
                    adopted.seq = ++arrivals;
                    placeEntries(adopted, adopted.path, null);
                    if (adopted.mode == LockMode.WRITE) {
                        activeWriters++;
                    } else {
                        activeReaders++;
                    }
                }
                return;
            }
        }
    }

    private void awaitGrant(Request request, long timeoutNanos) throws InterruptedException {
        request.waiter = Thread.currentThread();
        long deadline = timeoutNanos > 0L ? System.nanoTime() + timeoutNanos : 0L;
        // The volatile read of state pairs with the granting thread's write: happens-before.
        while (request.state == WAITING) {
            if (timeoutNanos > 0L) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0L) {
                    if (request.withdrawIfWaiting()) {
                        throw new LockTimeoutException("Timed out after " + Duration.ofNanos(timeoutNanos)
                                + " waiting for " + describe(request));
                    }
                    break; // granted at the deadline: the grant wins
                }
                LockSupport.parkNanos(this, remaining);
            } else {
                LockSupport.park(this);
            }
            if (Thread.interrupted()) {
                if (!request.withdrawIfWaiting()) {
                    request.close(); // granted while being interrupted: give it back
                }
                throw new InterruptedException("Interrupted while waiting for " + describe(request));
            }
        }
    }

    // ---------------------------------------------------------------- the tree (mutex held)

    private void enqueue(Request request) {
        request.seq = ++arrivals;
        if (request.paths == null) {
            placeEntries(request, request.path, null);
        } else {
            Map<Node, Entry> placed = new IdentityHashMap<>();
            for (Path path : withoutCovered(request.paths)) {
                placeEntries(request, path, placed);
            }
        }
        if (request.pending == 0) {
            grant(request);
        } else {
            request.since = System.nanoTime();
            queued++;
            request.prevWaiting = newestWaiting;
            if (newestWaiting == null) {
                oldestWaiting = request;
            } else {
                newestWaiting.nextWaiting = request;
            }
            newestWaiting = request;
        }
    }

    /** Puts the request's entries on the nodes of one path; {@code placed} dedupes shared ancestors. */
    private void placeEntries(Request request, Path path, Map<Node, Entry> placed) {
        int depth = path.getNameCount();
        boolean write = request.mode == LockMode.WRITE;
        String root = path.getRoot().toString();
        Node node = top.child(root, 0, root.length());
        // The default provider's string form is root + names joined by the separator: walking it
        // in place finds each name without allocating a Path or a String for it.
        String text = path.getFileSystem() == DEFAULT_FS ? path.toString() : null;
        int start = root.length();
        for (int level = 0; ; level++) {
            int mode = level == depth ? (write ? W : R) : (write ? IW : IR);
            if (placed == null || placed.get(node) == null) {
                Entry entry = node.append(request, mode);
                request.addEntry(entry);
                if (placed != null) {
                    placed.put(node, entry);
                }
            }
            if (level == depth) {
                return;
            }
            if (text != null) {
                int end = level + 1 == depth ? text.length() : text.indexOf(SEPARATOR, start);
                node = node.child(text, start, end);
                start = end + SEPARATOR.length();
            } else {
                String name = path.getName(level).toString();
                node = node.child(name, 0, name.length());
            }
        }
    }

    private void grant(Request request) {
        request.state = GRANTED;
        if (request.mode == LockMode.WRITE) {
            activeWriters++;
        } else {
            activeReaders++;
        }
        request.nextGranted = grantedChain;
        grantedChain = request;
    }

    /** Removes a granted or waiting request's entries and grants whatever that frees. */
    private void removeEntries(Request request) {
        Entry[] entries = request.entries;
        for (int i = 0; i < request.entryCount; i++) {
            Entry entry = entries[i];
            Node node = entry.node;
            node.remove(entry);
            if (node.size == 0) {
                node.parent.removeChild(node);
                nodes--;
            }
        }
    }

    private void release(Request request) {
        request.state = RELEASED;
        if (request.mode == LockMode.WRITE) {
            activeWriters--;
        } else {
            activeReaders--;
        }
        removeEntries(request);
    }

    private void withdraw(Request request) {
        request.state = WITHDRAWN;
        queued--;
        unlinkWaiting(request);
        removeEntries(request);
    }

    private void unlinkWaiting(Request request) {
        Request prev = request.prevWaiting, next = request.nextWaiting;
        if (prev == null) {
            oldestWaiting = next;
        } else {
            prev.nextWaiting = next;
        }
        if (next == null) {
            newestWaiting = prev;
        } else {
            next.prevWaiting = prev;
        }
        request.prevWaiting = request.nextWaiting = null;
    }

    /** Called by a node when the last blocked entry of a waiting request becomes free. */
    private void entryFreed(Entry entry) {
        Request request = entry.request;
        if (--request.pending == 0 && request.state == WAITING) {
            queued--;
            unlinkWaiting(request);
            grant(request);
        }
    }

    /**
     * Whether a waiting request would, directly or through other waiting requests, wait on a
     * request of the calling thread's context: that thread could then never release it.
     */
    private boolean waitsOnHoldOf(Request start, List<PathLock> context) {
        Set<Request> mine = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (PathLock lock : context) {
            Request root = rootOf(lock);
            if (root != null) {
                mine.add(root);
            }
        }
        ArrayDeque<Request> pending = new ArrayDeque<>();
        Set<Request> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        pending.add(start);
        seen.add(start);
        while (!pending.isEmpty()) {
            Request waiting = pending.poll();
            for (int i = 0; i < waiting.entryCount; i++) {
                Entry entry = waiting.entries[i];
                for (int mode = IR; mode <= W; mode++) {
                    if (!CONFLICTS[entry.mode][mode]) {
                        continue;
                    }
                    for (Entry e = entry.node.head[mode]; e != null && e.request.seq < waiting.seq; e = e.next) {
                        Request blocker = e.request;
                        if (blocker.state == GRANTED && mine.contains(blocker)) {
                            return true;
                        }
                        if (blocker.state == WAITING && seen.add(blocker)) {
                            pending.add(blocker);
                        }
                    }
                }
            }
        }
        return false;
    }

    private void unlockAndSignal() {
        Request chain = grantedChain;
        grantedChain = null;
        if (nodes == 0 && solo == TREE) {
            solo = null; // the tree is empty: the fast path is open again
        }
        mutex.unlock();
        while (chain != null) {
            Request next = chain.nextGranted;
            chain.nextGranted = null;
            chain.signalGranted();
            chain = next;
        }
    }

    // ---------------------------------------------------------------- re-entrancy (mutex held)

    /** The request of this manager that {@code lock} is or is nested in; {@code null} if none. */
    private Request rootOf(PathLock lock) {
        while (true) {
            if (lock instanceof Request request) {
                return request.manager() == this ? request : null;
            } else if (lock instanceof NestedPathLock nested) {
                lock = nested.enclosing();
            } else if (lock instanceof PinnedHold pinned) {
                return pinned.root.manager() == this ? pinned.root : null;
            } else {
                return null;
            }
        }
    }

    /** The lock of {@code context} that covers every path of {@code request}, or {@code null}. */
    private PathLock covering(Request request, List<PathLock> context) {
        for (int i = context.size() - 1; i >= 0; i--) {
            PathLock lock = context.get(i);
            Request root = rootOf(lock);
            if (root != null && root.state == GRANTED && lock.mode().covers(request.mode)
                    && coversAll(lock == root ? root.paths() : List.of(lock.path()), request.paths())) {
                return lock;
            }
        }
        return null;
    }

    /**
     * A nested hold when a lock of the thread's context covers {@code request}; {@code null} when
     * none is related; IllegalStateException when a related lock does not cover it (waiting
     * would deadlock on ourselves).
     */
    private PathLock nestedHold(Request request, List<PathLock> context) {
        PathLock enclosing = covering(request, context);
        if (enclosing != null) {
            return PathLock.nestedIn(enclosing, request.path, request.mode);
        }
        for (PathLock lock : context) {
            Request root = rootOf(lock);
            if (root == null || root.state != GRANTED) {
                continue;
            }
            for (Path wanted : request.paths()) {
                if (PathRules.related(lock.path(), wanted)) {
                    throw new IllegalStateException("Deadlock refused: " + describe(request)
                            + " would wait on this thread's own " + lock.mode() + " lock on " + lock.path());
                }
            }
        }
        return null;
    }

    /**
     * For an asynchronous request covered by the thread's context: a hold that keeps the covering
     * request held until it is closed, even past that request's own close().
     */
    private PathLock pinnedHold(Request request, List<PathLock> context) {
        PathLock enclosing = covering(request, context);
        if (enclosing == null) {
            return null;
        }
        Request root = rootOf(enclosing);
        root.pins++;
        return new PinnedHold(root, request.path, request.mode);
    }

    private static boolean coversAll(List<Path> mine, List<Path> wanted) {
        for (Path path : wanted) {
            boolean covered = false;
            for (Path held : mine) {
                if (PathRules.isAtOrAbove(held, path)) {
                    covered = true;
                    break;
                }
            }
            if (!covered) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- helpers

    private static final java.nio.file.FileSystem DEFAULT_FS = java.nio.file.FileSystems.getDefault();
    private static final String SEPARATOR = DEFAULT_FS.getSeparator();

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }

    private static final boolean[][] CONFLICTS = {
            //        IR     IW     R      W
            /* IR */ {false, false, false, true},
            /* IW */ {false, false, true, true},
            /* R  */ {false, true, false, true},
            /* W  */ {true, true, true, true},
    };

    /** The paths of a multi-path request, minus those at or below another of its paths. */
    private static List<Path> withoutCovered(List<Path> paths) {
        List<Path> kept = new ArrayList<>(paths.size());
        outer:
        for (int i = 0; i < paths.size(); i++) {
            Path path = paths.get(i);
            for (int j = 0; j < paths.size(); j++) {
                Path other = paths.get(j);
                boolean coveredByOther = path.startsWith(other) && (!path.equals(other) || j < i);
                if (i != j && coveredByOther) {
                    continue outer;
                }
            }
            kept.add(path);
        }
        return kept;
    }

    private static Path first(Collection<Path> paths) {
        Objects.requireNonNull(paths, "paths");
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("At least one path is required");
        }
        return paths.iterator().next();
    }

    private static long timeoutNanos(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            return 0L;
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    private static String describe(Request request) {
        return request.mode + " " + (request.paths == null ? request.path : request.paths);
    }

    // ---------------------------------------------------------------- state classes

    /** One request: the lock handed to the caller once granted. */
    private final class Request implements PathLock {
        final Path path;
        final LockMode mode;
        /** Every path of a multi-path request; null for a single-path one. */
        final List<Path> paths;
        /** This request's entries, one per node; null while it has none (solo or not enqueued). */
        Entry[] entries;
        int entryCount;
        long seq;
        int pending;
        volatile int state = WAITING;
        long since;
        /** This request's place in its acquiring thread's context; only for blocking acquisitions. */
        volatile LockContext.Hold hold;
        /** Pinned holds inside this request: its release waits for them. Guarded by the mutex. */
        int pins;
        boolean closeRequested;
        volatile Thread waiter;
        CompletableFuture<PathLock> future;
        Request prevWaiting, nextWaiting, nextGranted;

        Request(Path path, LockMode mode, List<Path> paths) {
            this.path = path;
            this.mode = Objects.requireNonNull(mode, "mode");
            this.paths = paths;
        }

        List<Path> paths() {
            return paths == null ? List.of(path) : paths;
        }

        void addEntry(Entry entry) {
            if (entries == null) {
                entries = new Entry[paths == null ? path.getNameCount() + 1 : 8];
            } else if (entryCount == entries.length) {
                entries = java.util.Arrays.copyOf(entries, entryCount * 2);
            }
            entries[entryCount++] = entry;
        }

        @Override
        public Path path() {
            return path;
        }

        @Override
        public LockMode mode() {
            return mode;
        }

        @Override
        public boolean isHeld() {
            return state == GRANTED;
        }

        LocalLockManager manager() {
            return LocalLockManager.this;
        }

        @Override
        public void close() {
            disown();
            if (state != GRANTED) {
                return;
            }
            if (solo == this && SOLO.compareAndSet(LocalLockManager.this, this, null)) {
                state = RELEASED;
                return;
            }
            mutex.lock();
            try {
                // Not in the tree: released by a concurrent close() through the slot.
                if (state == GRANTED && entryCount > 0) {
                    if (pins > 0) {
                        closeRequested = true; // the last pinned hold releases
                    } else {
                        release(this);
                    }
                }
            } finally {
                unlockAndSignal();
            }
        }

        @Override
        public void disown() {
            LockContext.Hold owned = hold;
            if (owned != null) {
                owned.end();
            }
        }

        void unpin() {
            mutex.lock();
            try {
                if (--pins == 0 && closeRequested && state == GRANTED) {
                    release(this);
                }
            } finally {
                unlockAndSignal();
            }
        }

        /** Withdraws the request if it still waits; returns whether it did. */
        boolean withdrawIfWaiting() {
            mutex.lock();
            try {
                if (state == WAITING) {
                    withdraw(this);
                    return true;
                }
                return false;
            } finally {
                unlockAndSignal();
            }
        }

        /** The caller no longer wants this request, whatever its state: withdraw or release. */
        void abandon() {
            if (!withdrawIfWaiting()) {
                close();
            }
        }

        void signalGranted() {
            if (future != null) {
                // Callbacks run here, on the releasing thread: never inside that thread's own locks.
                boolean completed;
                try (LockContext.Scope isolated = LockContext.empty().activate()) {
                    completed = future.complete(this);
                }
                if (!completed) {
                    abandon(); // cancelled while being granted: release, never leak
                }
            } else {
                Thread thread = waiter;
                if (thread != null) {
                    LockSupport.unpark(thread);
                }
            }
        }

        @Override
        public String toString() {
            return "PathLock[" + describe(this) + "]";
        }
    }

    /** A request's place on one node. */
    private static final class Entry {
        final Request request;
        final Node node;
        final int mode;
        Entry prev, next;

        Entry(Request request, Node node, int mode) {
            this.request = request;
            this.node = node;
            this.mode = mode;
        }
    }

    /** One path prefix with the entries of every held or waiting request that goes through it. */
    private final class Node {
        final Node parent;
        /** The key is {@code keySource[keyStart, keyEnd)}: a region of the creating path's string. */
        final String keySource;
        final int keyStart, keyEnd;
        final int hash;
        /** The only child, while there is exactly one: most nodes never need a table. */
        Node onlyChild;
        /** Open-addressing table of child nodes (linear probing) once there are two or more. */
        Node[] children;
        int childCount;
        final Entry[] head = new Entry[4];
        final Entry[] tail = new Entry[4];
        /** Per list, the first entry that is not free yet; every entry before it is free. */
        final Entry[] blocked = new Entry[4];
        int size;

        Node(Node parent, String keySource, int keyStart, int keyEnd, int hash) {
            this.parent = parent;
            this.keySource = keySource;
            this.keyStart = keyStart;
            this.keyEnd = keyEnd;
            this.hash = hash;
        }

        /** The child keyed {@code source[start, end)}, created (and counted) if absent. */
        Node child(String source, int start, int end) {
            int h = 0;
            for (int i = start; i < end; i++) {
                h = 31 * h + source.charAt(i);
            }
            h = spread(h);
            int length = end - start;
            Node only = onlyChild;
            if (only != null && only.hash == h && only.keyEnd - only.keyStart == length
                    && only.keySource.regionMatches(only.keyStart, source, start, length)) {
                return only;
            }
            Node[] table = children;
            if (table != null) {
                int mask = table.length - 1;
                for (int i = h & mask; table[i] != null; i = (i + 1) & mask) {
                    Node candidate = table[i];
                    if (candidate.hash == h && candidate.keyEnd - candidate.keyStart == length
                            && candidate.keySource.regionMatches(candidate.keyStart, source, start, length)) {
                        return candidate;
                    }
                }
            }
            Node child = new Node(this, source, start, end, h);
            if (childCount == 0) {
                onlyChild = child;
            } else {
                if (table == null || (childCount + 1) * 4 > table.length * 3) {
                    resize(table == null ? 4 : table.length * 2);
                }
                if (onlyChild != null) {
                    insert(children, onlyChild);
                    onlyChild = null;
                }
                insert(children, child);
            }
            childCount++;
            nodes++;
            return child;
        }

        void removeChild(Node child) {
            if (onlyChild == child) {
                onlyChild = null;
                childCount = 0;
                return;
            }
            Node[] table = children;
            if (table == null) {
                return;
            }
            int mask = table.length - 1;
            int i = child.hash & mask;
            while (table[i] != child) {
                if (table[i] == null) {
                    return; // already unlinked
                }
                i = (i + 1) & mask;
            }
            // Backward-shift deletion keeps every probe chain unbroken without tombstones.
            for (int gap = i, j = (i + 1) & mask; ; j = (j + 1) & mask) {
                Node moved = table[j];
                if (moved == null) {
                    table[gap] = null;
                    break;
                }
                int home = moved.hash & mask;
                boolean mayFillGap = gap <= j ? (home <= gap || home > j) : (home <= gap && home > j);
                if (mayFillGap) {
                    table[gap] = moved;
                    gap = j;
                }
            }
            if (--childCount == 0) {
                children = null;
            } else if (table.length > 8 && childCount * 8 < table.length) {
                resize(table.length / 2);
            }
        }

        private void resize(int capacity) {
            Node[] old = children;
            children = new Node[capacity];
            if (old != null) {
                for (Node n : old) {
                    if (n != null) {
                        insert(children, n);
                    }
                }
            }
        }

        private void insert(Node[] table, Node child) {
            int mask = table.length - 1;
            int i = child.hash & mask;
            while (table[i] != null) {
                i = (i + 1) & mask;
            }
            table[i] = child;
        }

        Entry append(Request request, int mode) {
            Entry entry = new Entry(request, this, mode);
            Entry last = tail[mode];
            entry.prev = last;
            if (last == null) {
                head[mode] = entry;
            } else {
                last.next = entry;
            }
            tail[mode] = entry;
            size++;
            if (blocked[mode] == null && !isFree(entry)) {
                blocked[mode] = entry;
            }
            if (blocked[mode] != null) {
                request.pending++;
            }
            return entry;
        }

        void remove(Entry entry) {
            int mode = entry.mode;
            if (blocked[mode] == entry) {
                blocked[mode] = entry.next;
            }
            if (entry.prev == null) {
                head[mode] = entry.next;
            } else {
                entry.prev.next = entry.next;
            }
            if (entry.next == null) {
                tail[mode] = entry.prev;
            } else {
                entry.next.prev = entry.prev;
            }
            entry.prev = entry.next = null;
            size--;
            for (int m = IR; m <= W; m++) {
                if (CONFLICTS[mode][m]) {
                    advance(m);
                }
            }
        }

        /** Moves list {@code mode}'s cursor over the entries that are free now. */
        private void advance(int mode) {
            Entry entry = blocked[mode];
            while (entry != null && isFree(entry)) {
                Entry next = entry.next;
                blocked[mode] = next;
                entryFreed(entry);
                entry = next;
            }
        }

        /** No live, earlier, conflicting entry on this node. */
        private boolean isFree(Entry entry) {
            long seq = entry.request.seq;
            switch (entry.mode) {
                case IR:
                    return before(seq, head[W]);
                case IW:
                    return before(seq, head[R]) && before(seq, head[W]);
                case R:
                    return before(seq, head[IW]) && before(seq, head[W]);
                default:
                    return entry.prev == null && before(seq, head[IR]) && before(seq, head[IW]) && before(seq, head[R]);
            }
        }

        private boolean before(long seq, Entry head) {
            return head == null || seq < head.request.seq;
        }
    }

    /**
     * An asynchronous request granted inside a covering lock of its thread's context: it changes
     * no queue, and the covering request stays held — even past its own close() — until every
     * pinned hold inside it is closed. So an asynchronous @Locked method called inside a
     * synchronous one keeps a real hold until its stage completes.
     */
    private final class PinnedHold implements PathLock {
        final Request root;
        private final Path path;
        private final LockMode mode;
        private volatile boolean closed;

        PinnedHold(Request root, Path path, LockMode mode) {
            this.root = root;
            this.path = path;
            this.mode = mode;
        }

        @Override
        public Path path() {
            return path;
        }

        @Override
        public LockMode mode() {
            return mode;
        }

        @Override
        public boolean isHeld() {
            return !closed && root.isHeld();
        }

        @Override
        public void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            root.unpin();
        }

        @Override
        public String toString() {
            return "PathLock[" + mode + " " + path + ", pinned in " + root + "]";
        }
    }
}
