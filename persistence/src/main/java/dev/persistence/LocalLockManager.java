package dev.persistence;

import static dev.persistence.LockTreeNode.CONFLICTS;
import static dev.persistence.spi.PathRules.IR;
import static dev.persistence.spi.PathRules.R;
import static dev.persistence.spi.PathRules.W;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import dev.persistence.LockTreeNode.Entry;
import dev.persistence.spi.ManagedLock;
import dev.persistence.spi.PathRules;
import dev.persistence.spi.Reentrancy;

/*
 * The in-process LockManager. It owns the lock trees, the arrival order and every state
 * transition of a request up to its grant and from its release; who owns a granted lock
 * (re-entrancy, refusals, pinned holds, the thread's context, releasing once) is the ownership
 * layer's, in dev.persistence.spi (ManagedLock, Reentrancy), shared with every other manager.
 * This file holds the manager (acquisition, mutexes), Request (the lock handed out) with its
 * TreeState (its part on a tree, made only when it needs one: a fast holder allocates the Request
 * alone) and Stripe (fast path, arrival numbers, adoption, grants); a tree's node, with its entry
 * lists and when an entry is free, is LockTreeNode's; the conflict rule itself is PathRules'.
 *
 * Design: multi-granularity locking (Gray et al.) with strict FIFO, striped by subtree.
 *   - A tree holds one node per path prefix that some held or waiting request goes through.
 *     A request on /a/b/c puts one entry on each node of its path: an intention entry
 *     (IR for a read, IW for a write) on "/", "/a" and "/a/b", and a real entry (R or W) on
 *     "/a/b/c". A multi-path request puts one entry per node of the union of its paths.
 *   - At one node, entries conflict as in the classic matrix (PathRules.entriesConflict): W
 *     conflicts with everything, R with IW, IW with R, IR only with W. Two requests conflict
 *     (same or related paths, one writes) exactly when their entries on the shallower path's
 *     node conflict.
 *   - Stripes: the manager has STRIPES independent trees, each with its own mutex and arrival
 *     counter. A path with at least STRIPE_DEPTH names lives in the stripe its root and first
 *     STRIPE_DEPTH names hash to; a shallower path (a root, /a) spans every stripe and puts its
 *     entries in each. Two related paths share their first STRIPE_DEPTH names or one of them
 *     spans, so every pair of possibly conflicting requests meets in at least one stripe. A
 *     request whose paths are all in one stripe takes that stripe's mutex only; any other takes
 *     every mutex, in index order (two-phase, so arrival orders agree across stripes).
 *   - A request gets one sequence number when it is enqueued, with all its mutexes held, so all
 *     its entries arrive at one instant; a spanning request takes a number above every stripe's
 *     counter and raises them all to it. An entry is free when no live, earlier, conflicting
 *     entry sits on its node; a request is granted when all its entries are free (a count that
 *     stripes decrement atomically). That is the FIFO rule of the contract: granted exactly
 *     when every earlier conflicting request is gone.
 *   - Each node keeps its entries in four arrival-ordered lists, one per entry mode. Whether an
 *     entry of mode m is free depends only on the heads of the lists m conflicts with, so the
 *     free entries of a list are a prefix, and each list keeps a cursor at its first blocked
 *     entry. A release re-checks the four cursors of each node it leaves and advances them over
 *     the entries it freed. Cost per request: O(path depth) plus the entries it frees; nothing
 *     depends on how many other paths are locked.
 *   - A node is unlinked as soon as it holds no entry, so an idle manager keeps no nodes.
 *   - Fast path: while a stripe's tree is empty, up to FAST_SLOTS single-path requests that do
 *     not conflict with each other hold the stripe without its mutex and without nodes. Each
 *     stripe has one state word (an occupied bit per fast slot, a TREE bit and the stripe's
 *     arrival counter) and the slots themselves. A request reserves a free slot (CAS null ->
 *     itself), checks the holders the word marks occupied, and is granted by one CAS of the word
 *     that sets its bit and draws the next arrival number: any change to the holders since it
 *     read the word (a new holder always draws a number) fails that CAS, so two conflicting fast
 *     holders never coexist. It is released by a CAS that clears its bit. A request that
 *     conflicts with a fast holder, or needs the tree for any other reason, takes the stripe's
 *     mutex: whoever takes it first sets TREE (and clears every occupied bit in the same CAS) and
 *     adopts the fast holders: places their entries, as granted, in arrival order. TREE is
 *     cleared when a critical section leaves the tree empty. So each stripe keeps one arrival
 *     order: a fast holder arrived at the CAS that published it, before anything that later
 *     finds it in the word.
 *   - Arrival numbers (and fencing tokens) are a stripe's base plus the counter in its word. A
 *     fast holder's number is drawn by the very CAS that grants it, so numbers grow along every
 *     chain of conflicting grants; requests through the mutex draw theirs while TREE keeps every
 *     other thread off the word. The 47-bit counter never wraps: at its end the base absorbs it
 *     (under the mutex), and the numbers go on growing.
 *   - Lock order: stripe mutexes in index order, then the spanning waiters' monitor; nothing
 *     else is taken while one is held.
 *
 * Waiters spin for up to SPIN_NANOS, then park, outside the mutexes; grants are signalled
 * (unpark, future completion) after the mutexes are released, so no user code ever runs under
 * them. Why these sizes: 64 stripes make two unrelated subtrees share one 1 time in 64 (16 put
 * the benchmark's ten subtrees into 7 stripes); each fast slot sits on its own cache line and a
 * thread starts at its own slot, so the threads of one stripe pass only its word between them.
 */
final class LocalLockManager implements LockManager {

    // Request states: WAITING -> GRANTED by the stripe that frees its last entry; every other
    // transition with all of the request's mutexes held (or, for a fast holder, by its CAS).
    private static final int WAITING = 0, GRANTED = 1, RELEASED = 2, WITHDRAWN = 3;

    /** How many leading names choose a path's stripe; a shallower path spans every stripe. */
    static final int STRIPE_DEPTH = 2;
    /** The number of stripes, a power of two; a request spanning every stripe takes every mutex. */
    static final int STRIPES = 64;
    /** The stripe index of a request that spans every stripe. */
    private static final int SPANNING = -1;

    /**
     * How long a waiting thread spins before it parks: about what a park/unpark round trip costs
     * on a virtual machine (see the benchmarks page), so a wait never costs more than twice the
     * cheaper choice. None on a single processor.
     */
    private static final long SPIN_NANOS = Runtime.getRuntime().availableProcessors() > 1 ? 20_000L : 0L;

    /** Fast holders a stripe can have at once; more concurrent requests move it onto its tree. */
    static final int FAST_SLOTS = 16;
    // A stripe's state word: one occupied bit per fast slot, the TREE bit, then the arrival
    // counter. Every change of the word but a release (which only clears a bit) draws a number,
    // so a CAS against a word read earlier fails if anything but releases happened since.
    private static final long OCCUPIED = (1L << FAST_SLOTS) - 1;
    /** Set while the stripe's tree is in use: every request goes through the mutex. */
    private static final long TREE = 1L << FAST_SLOTS;
    private static final int COUNTER_SHIFT = FAST_SLOTS + 1;
    private static final long COUNTER_UNIT = 1L << COUNTER_SHIFT;
    private static final long COUNTER_MAX = -1L >>> COUNTER_SHIFT;
    /** Longs per stripe in {@code words} (state word, arrival base, padding): 64 bytes, one cache line. */
    private static final int WORD_STRIDE = 8;
    /**
     * References between two fast slots in {@code fastHolders}: 64 bytes or more, so that threads
     * reserving different slots of one stripe do not pass a cache line back and forth.
     */
    private static final int SLOT_STRIDE = 16;
    private static final int HOLDER_STRIDE = FAST_SLOTS * SLOT_STRIDE;

    private static final FileSystem DEFAULT_FS = FileSystems.getDefault();
    private static final String SEPARATOR = DEFAULT_FS.getSeparator();
    private static final char SEPARATOR_CHAR = SEPARATOR.charAt(0);

    private final Stripe[] stripes = new Stripe[STRIPES];
    /**
     * Per stripe, padded apart: its state word and its arrival base. Threads on different
     * stripes share no line they write.
     */
    private final long[] words = new long[(STRIPES + 1) * WORD_STRIDE];
    /** Per stripe, padded apart: its fast slots, each null (free), reserved or holding a request. */
    private final Request[] fastHolders = new Request[(STRIPES + 1) * HOLDER_STRIDE];
    /** Spanning requests that wait: any stripe may grant them, so they have their own queue and monitor. */
    private final WaitQueue spanningWaiters = new WaitQueue();

    LocalLockManager() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe((i + 1) * WORD_STRIDE, (i + 1) * HOLDER_STRIDE);
        }
    }

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
        return acquireAsync(null, path, mode);
    }

    @Override
    public CompletableFuture<PathLock> acquireAllAsync(Collection<Path> paths, LockMode mode) {
        return acquireAsync(List.copyOf(paths), first(paths), mode);
    }

    /** {@code paths} is null for a single-path request on {@code first}. */
    private CompletableFuture<PathLock> acquireAsync(List<Path> paths, Path first, LockMode mode) {
        requireLockable(paths, first, mode);
        Request request = new Request(first, mode, paths);
        if (tryFastGrant(request)) {
            return CompletableFuture.completedFuture(request);
        }
        CompletableFuture<PathLock> future = new CompletableFuture<>();
        request.onTree().future = future;
        int scope = request.stripe;
        lock(scope);
        try {
            enqueue(request);
        } finally {
            unlockAndSignal(scope);
        }
        // Any completion other than our grant (cancel, completeExceptionally, ...) withdraws,
        // whenever it happened: a cancellation before this line is seen here too.
        future.whenComplete((lock, failure) -> {
            if (failure != null || lock != request) {
                request.abandon();
            }
        });
        return future;
    }

    @Override
    public LockStats stats() {
        lock(SPANNING); // adopts every fast holder: the snapshot is of one instant
        try {
            int queued = 0, readers = 0, writers = 0, nodes = 0;
            long oldest = Long.MAX_VALUE;
            Set<String> shallow = new HashSet<>();
            for (Stripe stripe : stripes) {
                queued += stripe.queued;
                readers += stripe.activeReaders;
                writers += stripe.activeWriters;
                // Nodes above the stripe key are repeated in every stripe that has them: count each once.
                nodes += stripe.nodes - stripe.top.collectShallow(0, "", shallow);
                oldest = Math.min(oldest, stripe.waiting.oldestSince());
            }
            synchronized (spanningWaiters) {
                oldest = Math.min(oldest, spanningWaiters.oldestSince());
            }
            Duration oldestWait = oldest == Long.MAX_VALUE ? Duration.ZERO
                    : Duration.ofNanos(Math.max(0L, System.nanoTime() - oldest));
            return new LockStats(queued, readers, writers, oldestWait, nodes + shallow.size());
        } finally {
            unlockAndSignal(SPANNING);
        }
    }

    @Override
    public String toString() {
        return "LocalLockManager " + stats();
    }

    // ---------------------------------------------------------------- introspection (diagnostics only)

    @Override
    public List<LockInfo> locks(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("max must not be negative: " + max);
        }
        List<LockInfo> locks = new ArrayList<>(Math.min(max, 64));
        lock(SPANNING); // adopts every fast holder: the snapshot is of one instant
        try {
            long now = System.nanoTime();
            Set<Request> seen = Collections.newSetFromMap(new IdentityHashMap<>());
            for (Stripe stripe : stripes) {
                stripe.addHolders(stripe.top, now, max, locks, seen);
            }
            List<Request> waiting = new ArrayList<>();
            for (Stripe stripe : stripes) {
                for (Request r = stripe.waiting.oldest; r != null; r = r.tree.nextWaiting) {
                    waiting.add(r);
                }
            }
            synchronized (spanningWaiters) {
                for (Request r = spanningWaiters.oldest; r != null; r = r.tree.nextWaiting) {
                    waiting.add(r);
                }
            }
            waiting.sort(Comparator.comparingLong(r -> r.tree.since));
            for (int i = 0; i < waiting.size() && locks.size() < max; i++) {
                locks.add(info(waiting.get(i), LockInfo.State.WAITING, now));
            }
        } finally {
            unlockAndSignal(SPANNING);
        }
        return locks;
    }

    private static LockInfo info(Request request, LockInfo.State state, long now) {
        return new LockInfo(request.path, request.mode, request.thread, state,
                Duration.ofNanos(Math.max(0L, now - request.tree.since)));
    }

    // ---------------------------------------------------------------- acquisition

    /** {@code paths} is null for a single-path request on {@code first}. */
    private PathLock acquireOwned(List<Path> paths, Path first, LockMode mode, long timeoutNanos)
            throws InterruptedException {
        requireLockable(paths, first, mode);
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        Reentrancy context = Reentrancy.of(this);
        Request request = new Request(first, mode, paths);
        int scope = request.stripe;
        if (context.isEmpty()) {
            if (tryFastGrant(request)) {
                request.own();
                return request;
            }
        } else {
            PathLock nested = context.nestedHold(request.paths(), mode);
            if (nested != null) {
                return nested;
            }
            scope = SPANNING; // the check below follows requests into any stripe
        }
        lock(scope);
        try {
            enqueue(request);
            if (request.state == WAITING) {
                if (timeoutNanos == 0L) {
                    withdraw(request);
                    throw new LockTimeoutException("Lock not free now: " + describe(request));
                }
                if (!context.isEmpty() && waitsOnHoldOf(request, context)) {
                    withdraw(request);
                    throw Reentrancy.waitRefused(describe(request));
                }
            }
        } finally {
            unlockAndSignal(scope);
        }
        if (request.state != GRANTED) {
            awaitGrant(request, timeoutNanos);
        }
        request.own();
        return request;
    }

    /** Refuses a request whose path ({@code first}, or each of {@code paths} when not null) may not be locked. */
    private static void requireLockable(List<Path> paths, Path first, LockMode mode) {
        if (paths == null) {
            PathRules.requireLockable(first, mode);
        } else {
            for (Path path : paths) {
                PathRules.requireLockable(path, mode);
            }
        }
    }

    /**
     * Grants a single-path, single-stripe request at once, without a mutex or any node, if its
     * stripe's tree is not in use, a fast slot is free and no fast holder conflicts with it;
     * returns whether it did.
     */
    private boolean tryFastGrant(Request request) {
        if (request.paths != null || request.stripe == SPANNING) {
            return false;
        }
        Stripe stripe = stripes[request.stripe];
        long state = stripe.state();
        if ((state & TREE) != 0L) {
            return false;
        }
        int slot = stripe.reserveSlot(request);
        if (slot < 0) {
            return false;
        }
        request.fastSlot = (byte) slot;
        // No timestamp: System.nanoTime() would be a large part of this path's cost; the
        // adopter stamps a fast holder when something first looks at it (see locks(int)).
        STATE.set(request, GRANTED); // plain: published by the CAS, never seen otherwise
        long bit = 1L << slot;
        // The holders are read after the word, so a CAS against that word fails if any changed.
        while ((state & TREE) == 0L && (state >>> COUNTER_SHIFT) != COUNTER_MAX
                && !stripe.conflictsWithFastHolder(request, state)) {
            request.seq = stripe.base() + (state >>> COUNTER_SHIFT) + 1L; // published by the CAS
            if (stripe.casState(state, (state + COUNTER_UNIT) | bit)) {
                return true;
            }
            state = stripe.state();
        }
        STATE.set(request, WAITING);
        request.fastSlot = -1;
        stripe.freeSlot(slot);
        return false;
    }

    private void awaitGrant(Request request, long timeoutNanos) throws InterruptedException {
        // Most waits on a short hold end within microseconds: spun out, they cost neither this
        // thread's park nor the releaser's unpark (it unparks only a thread that set waiter).
        if (SPIN_NANOS > 0L) {
            long spinStart = System.nanoTime();
            for (int spins = 1; request.state == WAITING; spins++) {
                Thread.onSpinWait();
                if ((spins & 63) == 0 && System.nanoTime() - spinStart > SPIN_NANOS) {
                    break;
                }
            }
        }
        request.tree.waiter = Thread.currentThread();
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

    // ---------------------------------------------------------------- mutexes

    /** Takes the mutex of stripe {@code scope} (every mutex for SPANNING) and makes its tree the state. */
    private void lock(int scope) {
        if (scope != SPANNING) {
            stripes[scope].enter();
        } else {
            for (Stripe stripe : stripes) {
                stripe.enter();
            }
        }
    }

    /** Releases what {@link #lock} took, then signals the requests granted meanwhile. */
    private void unlockAndSignal(int scope) {
        Request chain = null;
        if (scope != SPANNING) {
            chain = stripes[scope].leave(null);
        } else {
            for (Stripe stripe : stripes) {
                chain = stripe.leave(chain);
            }
        }
        while (chain != null) {
            Request next = chain.tree.nextGranted;
            chain.tree.nextGranted = null;
            chain.signalGranted();
            chain = next;
        }
    }

    // ---------------------------------------------------------------- requests (their mutexes held)

    private void enqueue(Request request) {
        TreeState tree = request.onTree();
        Stripe home;
        if (request.stripe == SPANNING) {
            long seq = 0L;
            for (Stripe stripe : stripes) {
                seq = Math.max(seq, stripe.lastArrival());
            }
            request.seq = ++seq;
            for (Stripe stripe : stripes) {
                stripe.raiseArrivals(seq);
            }
            home = stripes[0];
        } else {
            home = stripes[request.stripe];
            request.seq = home.nextArrival();
        }
        if (request.paths == null) {
            place(request, request.path, null);
        } else {
            Map<LockTreeNode, Entry> placed = new IdentityHashMap<>();
            for (Path path : withoutCovered(request.paths)) {
                place(request, path, placed);
            }
        }
        tree.since = System.nanoTime(); // arrival; reset at a deferred grant (see locks(int))
        if (tree.pending == 0) {
            home.grant(request);
        } else {
            home.queued++;
            if (request.stripe == SPANNING) {
                synchronized (spanningWaiters) {
                    spanningWaiters.add(request);
                }
            } else {
                home.waiting.add(request);
            }
        }
    }

    /** Puts the entries of one path in its stripe, or in every stripe if it spans. */
    private void place(Request request, Path path, Map<LockTreeNode, Entry> placed) {
        int index = stripeOf(path);
        if (index != SPANNING) {
            stripes[index].placeEntries(request, path, placed);
        } else {
            for (Stripe stripe : stripes) {
                stripe.placeEntries(request, path, placed);
            }
        }
    }

    private void unlinkWaiting(Request request) {
        if (request.stripe == SPANNING) {
            synchronized (spanningWaiters) {
                spanningWaiters.remove(request);
            }
        } else {
            stripes[request.stripe].waiting.remove(request);
        }
    }

    /** Removes a granted or waiting request's entries and grants whatever that frees. */
    private static void removeEntries(Request request) {
        Entry[] entries = request.tree.entries;
        for (int i = 0; i < request.tree.entryCount; i++) {
            entries[i].node.removeEntry(entries[i]);
        }
    }

    private void releaseGranted(Request request) {
        request.state = RELEASED;
        request.tree.countedIn.count(request, -1);
        removeEntries(request);
    }

    private void withdraw(Request request) {
        request.state = WITHDRAWN;
        stripes[request.stripe == SPANNING ? 0 : request.stripe].queued--;
        unlinkWaiting(request);
        removeEntries(request);
    }

    /**
     * Whether a waiting request would, directly or through other waiting requests, wait on a
     * request of the calling thread's context: that thread could then never release it.
     * Every mutex held.
     */
    private boolean waitsOnHoldOf(Request start, Reentrancy context) {
        ArrayDeque<Request> pending = new ArrayDeque<>();
        Set<Request> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        pending.add(start);
        seen.add(start);
        while (!pending.isEmpty()) {
            Request waiting = pending.poll();
            for (int i = 0; i < waiting.tree.entryCount; i++) {
                Entry entry = waiting.tree.entries[i];
                for (int mode = IR; mode <= W; mode++) {
                    if (!CONFLICTS[entry.mode][mode]) {
                        continue;
                    }
                    for (Entry e = entry.node.head[mode]; e != null && e.request.seq < waiting.seq; e = e.next) {
                        Request blocker = e.request;
                        if (blocker.state == GRANTED && context.holds(blocker)) {
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

    // ---------------------------------------------------------------- helpers

    static int spread(int h) {
        return h ^ (h >>> 16);
    }

    /** The stripe of one path: by its root and first STRIPE_DEPTH names; SPANNING if it has fewer. */
    private static int stripeOf(Path path) {
        if (path.getNameCount() < STRIPE_DEPTH) {
            return SPANNING;
        }
        int h;
        if (path.getFileSystem() == DEFAULT_FS) {
            // Hash the string form up to the end of the key's last name, without allocating; the
            // end is found by indexOf, a vectorised scan, so the hash loop does nothing else.
            String text = path.toString();
            int end = path.getRoot().toString().length() - 1;
            for (int names = 0; names < STRIPE_DEPTH && end >= 0; names++) {
                end = text.indexOf(SEPARATOR_CHAR, end + 1);
            }
            if (end < 0) {
                end = text.length();
            }
            // The String.hashCode polynomial of the key, four characters a step: the same value as
            // one a step, with a quarter of the multiplications in the chain that each waits on.
            h = 0;
            int i = 0;
            for (; i + 4 <= end; i += 4) {
                h = 31 * 31 * 31 * 31 * h + 31 * 31 * 31 * text.charAt(i) + 31 * 31 * text.charAt(i + 1)
                        + 31 * text.charAt(i + 2) + text.charAt(i + 3);
            }
            for (; i < end; i++) {
                h = 31 * h + text.charAt(i);
            }
        } else {
            h = path.getRoot().hashCode() * 31 + path.subpath(0, STRIPE_DEPTH).hashCode();
        }
        return spread(h * 0x9E3779B9) & (STRIPES - 1);
    }

    /** The stripe of a multi-path request: the common stripe of its paths, or SPANNING. */
    private static int stripeOf(List<Path> paths) {
        int stripe = stripeOf(paths.get(0));
        for (int i = 1; i < paths.size() && stripe != SPANNING; i++) {
            if (stripeOf(paths.get(i)) != stripe) {
                stripe = SPANNING;
            }
        }
        return stripe;
    }

    /** The paths of a multi-path request, minus those at or below another of its paths. */
    private static List<Path> withoutCovered(List<Path> paths) {
        List<Path> kept = new ArrayList<>(paths.size());
        outer: for (int i = 0; i < paths.size(); i++) {
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
    final class Request extends ManagedLock {
        final Path path;
        final LockMode mode;
        /** Every path of a multi-path request; null for a single-path one. */
        final List<Path> paths;
        /** The stripe whose mutex guards this request, or SPANNING: every mutex. */
        final int stripe;
        long seq;
        /** The fast slot this request was granted in; -1 if it never was. */
        byte fastSlot = -1;
        volatile int state; // WAITING
        /** The asking thread's name, for {@link #locks(int)}. */
        final String thread = Thread.currentThread().getName();
        /**
         * The request's part on a tree, from its enqueueing or adoption (guarded by its mutexes);
         * null for a request that never needed one, such as every fast holder that is not adopted.
         */
        TreeState tree;

        Request(Path path, LockMode mode, List<Path> paths) {
            this.path = path;
            this.mode = Objects.requireNonNull(mode, "mode");
            this.paths = paths;
            this.stripe = paths == null ? stripeOf(path) : stripeOf(paths);
        }

        @Override
        public List<Path> paths() {
            return paths == null ? List.of(path) : paths;
        }

        /** This request's part on a tree, made on first use. */
        TreeState onTree() {
            if (tree == null) {
                tree = new TreeState();
            }
            return tree;
        }

        /** Whether this request has entries on a tree (a fast holder released before adoption has none). */
        boolean isInTree() {
            return tree != null && tree.entryCount > 0;
        }

        void addEntry(Entry entry) {
            TreeState tree = this.tree;
            if (tree.entries == null) {
                tree.entries = new Entry[paths == null && stripe != SPANNING ? path.getNameCount() + 1 : 8];
            } else if (tree.entryCount == tree.entries.length) {
                tree.entries = Arrays.copyOf(tree.entries, tree.entryCount * 2);
            }
            tree.entries[tree.entryCount++] = entry;
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

        /**
         * The arrival sequence number: conflicting requests are granted in arrival order, and a
         * request arriving by the fast path takes its number from its stripe's counter too.
         */
        @Override
        public long fencingToken() {
            return seq;
        }

        @Override
        protected LocalLockManager manager() {
            return LocalLockManager.this;
        }

        /** Called once, by close() or the last pinned hold's close (ManagedLock decides which). */
        @Override
        protected void release() {
            if (state != GRANTED) {
                return;
            }
            if (fastSlot >= 0 && stripes[stripe].releaseFast(this)) {
                STATE.setRelease(this, RELEASED); // no one waits on it: a release store suffices
                return;
            }
            lock(stripe);
            try {
                // Not in a tree: released through its fast slot before it was adopted.
                if (state == GRANTED && isInTree()) {
                    releaseGranted(this);
                }
            } finally {
                unlockAndSignal(stripe);
            }
        }

        /** Withdraws the request if it still waits; returns whether it did. */
        boolean withdrawIfWaiting() {
            lock(stripe);
            try {
                if (state == WAITING) {
                    withdraw(this);
                    return true;
                }
                return false;
            } finally {
                unlockAndSignal(stripe);
            }
        }

        /** The caller no longer wants this request, whatever its state: withdraw or release. */
        void abandon() {
            if (!withdrawIfWaiting()) {
                close();
            }
        }

        void signalGranted() {
            CompletableFuture<PathLock> future = tree.future;
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
                Thread thread = tree.waiter;
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

    /**
     * A request's part on its stripe's tree: its entries, its place among the waiting requests
     * and how its grant is signalled. Apart from the request, so that a fast holder, which never
     * needs it, allocates only the lock it hands out.
     */
    static final class TreeState {
        /** The request's entries, one per node. */
        Entry[] entries;
        int entryCount;
        /** Entries not yet free; decremented atomically, since a spanning request's stripes free them concurrently. */
        int pending;
        /** Arrival, reset at a deferred grant; for a fast holder, its adoption. For diagnostics. */
        long since;
        /** The stripe whose active count includes the request while it is granted. */
        Stripe countedIn;
        volatile Thread waiter;
        CompletableFuture<PathLock> future;
        Request prevWaiting, nextWaiting, nextGranted;
    }

    /** Waiting requests in arrival order, linked through the requests' tree states. */
    private static final class WaitQueue {
        Request oldest, newest;

        void add(Request request) {
            request.tree.prevWaiting = newest;
            if (newest == null) {
                oldest = request;
            } else {
                newest.tree.nextWaiting = request;
            }
            newest = request;
        }

        void remove(Request request) {
            TreeState tree = request.tree;
            Request prev = tree.prevWaiting, next = tree.nextWaiting;
            if (prev == null) {
                oldest = next;
            } else {
                prev.tree.nextWaiting = next;
            }
            if (next == null) {
                newest = prev;
            } else {
                next.tree.prevWaiting = prev;
            }
            tree.prevWaiting = tree.nextWaiting = null;
        }

        /** When the oldest waiting request arrived; Long.MAX_VALUE if none waits. */
        long oldestSince() {
            return oldest == null ? Long.MAX_VALUE : oldest.tree.since;
        }
    }

    /** One stripe: a tree with its own mutex, arrival counter, counts and fast slots. */
    final class Stripe {
        final ReentrantLock mutex = new ReentrantLock();
        /** Index of this stripe's state word in {@code words}; its arrival base follows it. */
        final int word;
        /** Index of this stripe's first fast slot in {@code fastHolders}. */
        final int holders;
        /** Above the filesystem roots: permanent, holds no entries, not counted in {@code nodes}. */
        final LockTreeNode top = new LockTreeNode(this, null, "", 0, 0, 0);
        int nodes;
        // Counts of requests; a spanning request's may sit in another stripe's, so only sums are meaningful.
        int activeReaders;
        int activeWriters;
        int queued;
        /** This stripe's own waiting requests (spanning ones wait in the manager's queue). */
        final WaitQueue waiting = new WaitQueue();
        /** Requests granted during the current critical section, signalled after it. */
        Request grantedChain;

        Stripe(int word, int holders) {
            this.word = word;
            this.holders = holders;
        }

        // ---------------------------------------------------------------- fast slots (no mutex, while TREE is clear)

        /**
         * Reserves a free fast slot for {@code request}; -1 if every slot is taken. Each thread
         * starts at its own slot, so threads of one stripe seldom try the same one.
         */
        int reserveSlot(Request request) {
            int first = spread(Thread.currentThread().hashCode());
            for (int i = 0; i < FAST_SLOTS; i++) {
                int slot = (first + i) & (FAST_SLOTS - 1);
                if (fastHolder(slot) == null && HOLDERS.compareAndSet(fastHolders, slotIndex(slot), null, request)) {
                    return slot;
                }
            }
            return -1;
        }

        /** Whether a holder that {@code state} marks occupied conflicts with {@code request}. */
        boolean conflictsWithFastHolder(Request request, long state) {
            long others = state & OCCUPIED & ~(1L << request.fastSlot);
            while (others != 0L) {
                Request holder = fastHolder(Long.numberOfTrailingZeros(others));
                others &= others - 1L;
                // A slot that changed since the word was read means the word changed: the CAS fails.
                if (holder != null && PathRules.conflict(holder.path, holder.mode, request.path, request.mode)) {
                    return true;
                }
            }
            return false;
        }

        /**
         * Releases a fast holder by clearing its bit; false if it is no longer one (adopted into
         * the tree, or released by a concurrent close()).
         */
        boolean releaseFast(Request request) {
            int slot = request.fastSlot;
            long bit = 1L << slot;
            while (true) {
                long state = state();
                // The slot is read after the word: if it is still ours, the bit in that word is ours too.
                if ((state & (bit | TREE)) != bit || fastHolder(slot) != request) {
                    return false;
                }
                if (casState(state, state & ~bit)) {
                    freeSlot(slot);
                    return true;
                }
            }
        }

        // ---------------------------------------------------------------- arrival numbers

        /** What the counter in the word counts from; written only with the mutex held and TREE set. */
        long base() {
            return (long) WORDS.getAcquire(words, word + 1); // a base newer than the word read before it fails that CAS
        }

        /** The last arrival number drawn. Mutex held, TREE set (as for the two below). */
        long lastArrival() {
            return base() + (state() >>> COUNTER_SHIFT);
        }

        /** Draws the next arrival number. TREE keeps every other thread off the word meanwhile. */
        long nextArrival() {
            raiseArrivals(lastArrival() + 1L);
            return lastArrival();
        }

        /** Raises the last arrival number to at least {@code seq}; the base absorbs the counter at its end. */
        void raiseArrivals(long seq) {
            long state = state();
            long counter = seq - base();
            if (counter <= (state >>> COUNTER_SHIFT)) {
                return;
            }
            if (counter > COUNTER_MAX - 1L) { // leaves the fast path one number below the end
                WORDS.setRelease(words, word + 1, seq);
                counter = 0L;
            }
            WORDS.setVolatile(words, word, (state & ~(-1L << COUNTER_SHIFT)) | counter << COUNTER_SHIFT);
        }

        // ---------------------------------------------------------------- mutex and adoption

        /**
         * Takes the mutex and makes the tree this stripe's state. The fast holders found in the
         * word are adopted: given their entries in arrival order, exactly as if each had been
         * enqueued and granted through the mutex at its CAS.
         */
        void enter() {
            mutex.lock();
            long state;
            do {
                state = state();
                if ((state & TREE) != 0L) {
                    return;
                }
            } while (!casState(state, (state & ~OCCUPIED) | TREE));
            long occupied = state & OCCUPIED;
            if (occupied != 0L) {
                adopt(occupied);
            }
        }

        private void adopt(long occupied) {
            Request[] adopted = new Request[Long.bitCount(occupied)];
            int count = 0;
            while (occupied != 0L) {
                int slot = Long.numberOfTrailingZeros(occupied);
                occupied &= occupied - 1L;
                Request holder = fastHolder(slot); // stays put: its release now needs this mutex
                freeSlot(slot);
                int at = count++;
                while (at > 0 && adopted[at - 1].seq > holder.seq) { // insertion sort by arrival
                    adopted[at] = adopted[at - 1];
                    at--;
                }
                adopted[at] = holder;
            }
            long now = System.nanoTime();
            for (Request holder : adopted) {
                holder.onTree().since = now;
                placeEntries(holder, holder.path, null);
                holder.tree.countedIn = this;
                count(holder, 1);
            }
        }

        /**
         * Reopens the fast path if the tree is empty, releases the mutex and returns the requests
         * granted meanwhile, followed by {@code more}.
         */
        Request leave(Request more) {
            Request chain = grantedChain;
            grantedChain = null;
            long state = state();
            if (nodes == 0 && (state & TREE) != 0L) {
                // No fast holder while TREE is set: only this mutex's holder writes the word now.
                // Drawing a number as TREE goes keeps "every change but a release draws one".
                nextArrival();
                WORDS.setVolatile(words, word, state() & ~TREE);
            }
            mutex.unlock();
            if (chain == null) {
                return more;
            }
            Request last = chain;
            while (last.tree.nextGranted != null) {
                last = last.tree.nextGranted;
            }
            last.tree.nextGranted = more;
            return chain;
        }

        // ---------------------------------------------------------------- tree and grants (mutex held)

        /** Puts the request's entries on this tree's nodes of one path; {@code placed} dedupes shared ancestors. */
        void placeEntries(Request request, Path path, Map<LockTreeNode, Entry> placed) {
            int depth = path.getNameCount();
            String root = path.getRoot().toString();
            LockTreeNode node = top.child(root, 0, root.length());
            // The default provider's string form is root + names joined by the separator: walking it
            // in place finds each name without allocating a Path or a String for it.
            String text = path.getFileSystem() == DEFAULT_FS ? path.toString() : null;
            int start = root.length();
            for (int level = 0;; level++) {
                if (placed == null || placed.get(node) == null) {
                    Entry entry = node.append(request, PathRules.entryMode(request.mode, level == depth));
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

        void grant(Request request) {
            request.state = GRANTED;
            request.tree.countedIn = this;
            count(request, 1);
            request.tree.nextGranted = grantedChain;
            grantedChain = request;
        }

        void count(Request request, int delta) {
            if (request.mode == LockMode.WRITE) {
                activeWriters += delta;
            } else {
                activeReaders += delta;
            }
        }

        /** Called by a node when an entry of a waiting request becomes free. */
        void entryFreed(Entry entry) {
            Request request = entry.request;
            if ((int) PENDING.getAndAdd(request.tree, -1) == 1 && request.state == WAITING) {
                queued--;
                unlinkWaiting(request);
                request.tree.since = System.nanoTime();
                grant(request);
            }
        }

        /** Depth first from {@code node}: the granted requests with a real (R or W) entry, each once. */
        void addHolders(LockTreeNode node, long now, int max, List<LockInfo> locks, Set<Request> seen) {
            for (int mode = R; mode <= W; mode++) {
                for (Entry entry = node.head[mode]; entry != null && locks.size() < max; entry = entry.next) {
                    if (entry.request.state == GRANTED && seen.add(entry.request)) {
                        locks.add(info(entry.request, LockInfo.State.HELD, now));
                    }
                }
            }
            if (node.onlyChild != null) {
                addHolders(node.onlyChild, now, max, locks, seen);
            }
            if (node.children != null) {
                for (LockTreeNode child : node.children) {
                    if (child != null && locks.size() < max) {
                        addHolders(child, now, max, locks, seen);
                    }
                }
            }
        }

        // ---------------------------------------------------------------- state word and slot access (VarHandles)

        long state() {
            return (long) WORDS.getVolatile(words, word);
        }

        boolean casState(long expected, long next) {
            return WORDS.compareAndSet(words, word, expected, next);
        }

        /** Where fast slot {@code slot} of this stripe lives in {@code fastHolders}. */
        private int slotIndex(int slot) {
            return holders + slot * SLOT_STRIDE;
        }

        Request fastHolder(int slot) {
            return (Request) HOLDERS.getVolatile(fastHolders, slotIndex(slot));
        }

        void freeSlot(int slot) {
            HOLDERS.setRelease(fastHolders, slotIndex(slot), null);
        }
    }

    // ---------------------------------------------------------------- VarHandle mechanics

    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle HOLDERS = MethodHandles.arrayElementVarHandle(Request[].class);
    private static final VarHandle PENDING;
    private static final VarHandle STATE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            PENDING = lookup.findVarHandle(TreeState.class, "pending", int.class);
            STATE = lookup.findVarHandle(Request.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
