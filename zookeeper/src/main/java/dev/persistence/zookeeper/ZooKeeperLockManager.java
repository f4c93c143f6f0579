package dev.persistence.zookeeper;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

import dev.persistence.LockLostException;
import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.LockStats;
import dev.persistence.LockTimeoutException;
import dev.persistence.PathLock;
import dev.persistence.PathRules;

/*
 * A LockManager shared by every JVM connected to one ZooKeeper ensemble: the same conflict rule
 * and strict FIFO as the in-process manager, with ZooKeeper as the one authority on arrival order.
 *
 * Design
 *   - Each request creates one EPHEMERAL_SEQUENTIAL znode under <base>/queue. ZooKeeper's
 *     sequence number is the request's arrival: one total order for every JVM.
 *   - The znode's name carries the request — "lock-<R|W>-<id>-<base64url of its paths>-<seq>" —
 *     so one getChildren tells every live request's mode, paths and arrival; nothing else is read.
 *     The random id finds the znode again when the create's answer was lost (connection loss,
 *     interrupt), so that no orphan is left to block others until the session ends.
 *   - A request is granted when no earlier live znode conflicts with it (related paths, one of the
 *     two a write): the FIFO rule of the contract. Otherwise it sets an exists-watch on the latest
 *     earlier conflicting znode only, and checks again when that one goes: waiters watch only what
 *     they wait for, so a release wakes its direct successors, not the whole queue.
 *   - Releasing or withdrawing deletes the znode (guaranteed delete: retried across connection
 *     loss). A JVM that dies loses its session, and ZooKeeper deletes its znodes.
 *   - Re-entrancy is per JVM and thread, as in the local manager: covered requests get a nested
 *     hold; a request that would wait on the thread's own hold, directly or through earlier
 *     waiting requests, is refused with IllegalStateException.
 *
 * Session loss fails closed: isHeld() asks ZooKeeper whether the lock's znode still exists, so a
 * client about to commit refuses once the session is gone, even if this JVM has not been told
 * yet; while the connection is SUSPENDED isHeld() is false; when the session is LOST every lock is lost for good,
 * waiting requests fail with LockLostException, and new requests fail until a new session is
 * established. The window that remains: between a holder's last isHeld() check and its rename,
 * the session can expire and another JVM be granted the lock — as with any lease.
 */

/**
 * A {@link LockManager} whose locks are shared by every JVM that uses the same ZooKeeper
 * ensemble and base path. Semantics as documented on {@link LockManager}; {@link #stats()}
 * describes this instance's own requests. Paths are those of the default filesystem.
 */
public final class ZooKeeperLockManager implements LockManager, AutoCloseable {

    private static final String PREFIX = "lock-";
    private static final int ID_LENGTH = 32;
    private static final int WAITING = 0, GRANTED = 1, RELEASED = 2, WITHDRAWN = 3, LOST = 4;

    private final CuratorFramework client;
    private final boolean ownsClient;
    private final String queue;
    private final ExecutorService rechecks;
    private final Set<Request> live = ConcurrentHashMap.newKeySet();
    private final ThreadLocal<List<Request>> holds = ThreadLocal.withInitial(java.util.concurrent.CopyOnWriteArrayList::new);
    private final ConnectionStateListener connection = this::connectionChanged;
    private volatile boolean connected;

    private ZooKeeperLockManager(CuratorFramework client, String basePath, boolean ownsClient) {
        this.client = Objects.requireNonNull(client, "client");
        this.ownsClient = ownsClient;
        this.queue = (basePath.endsWith("/") ? basePath.substring(0, basePath.length() - 1) : basePath) + "/queue";
        this.rechecks = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "persistence-zookeeper-rechecks");
            thread.setDaemon(true);
            return thread;
        });
        client.getConnectionStateListenable().addListener(connection);
        this.connected = client.getZookeeperClient().isConnected();
        try {
            client.createContainers(queue);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot create the lock queue " + queue, e);
        }
    }

    /** A manager with its own Curator client to {@code connectString}; {@link #close()} closes the client. */
    public static ZooKeeperLockManager create(String connectString) {
        return create(connectString, Duration.ofSeconds(30), "/persistence");
    }

    /**
     * A manager with its own Curator client to {@code connectString} and the given session
     * timeout, keeping its queue under {@code basePath}; {@link #close()} closes the client.
     * Locks held through a session last at most this long after their JVM stops answering.
     */
    public static ZooKeeperLockManager create(String connectString, Duration sessionTimeout, String basePath) {
        CuratorFramework client = CuratorFrameworkFactory.builder().connectString(connectString)
                .sessionTimeoutMs((int) sessionTimeout.toMillis())
                .retryPolicy(new ExponentialBackoffRetry(100, 5)).build();
        client.start();
        try {
            if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
                client.close();
                throw new IllegalStateException("No ZooKeeper connection to " + connectString + " within 30s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            client.close();
            throw new IllegalStateException("Interrupted while connecting to " + connectString, e);
        }
        return new ZooKeeperLockManager(client, basePath, true);
    }

    /** A manager over a started client, keeping its queue under {@code basePath}; the client stays the caller's. */
    public static ZooKeeperLockManager create(CuratorFramework client, String basePath) {
        return new ZooKeeperLockManager(client, basePath, false);
    }

    // ------------------------------------------------------------------ LockManager

    @Override
    public PathLock acquire(Path path, LockMode mode) throws InterruptedException {
        return acquireOwned(List.of(path), mode, -1L);
    }

    @Override
    public PathLock acquire(Path path, LockMode mode, Duration timeout) throws InterruptedException {
        return acquireOwned(List.of(path), mode, nanos(timeout));
    }

    @Override
    public PathLock acquireAll(Collection<Path> paths, LockMode mode) throws InterruptedException {
        return acquireOwned(nonEmpty(paths), mode, -1L);
    }

    @Override
    public PathLock acquireAll(Collection<Path> paths, LockMode mode, Duration timeout) throws InterruptedException {
        return acquireOwned(nonEmpty(paths), mode, nanos(timeout));
    }

    @Override
    public CompletableFuture<PathLock> acquireAsync(Path path, LockMode mode) {
        Request request;
        try {
            request = enqueue(List.of(PathRules.requireLockable(path, mode)), mode);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<PathLock> future = new CompletableFuture<>();
        request.future = future;
        future.whenComplete((lock, failure) -> {
            if (failure != null || lock != request) {
                request.abandon();
            }
        });
        recheckAsync(request);
        return future;
    }

    @Override
    public LockStats stats() {
        int queued = 0, readers = 0, writers = 0;
        long oldest = Long.MAX_VALUE;
        Set<Path> nodes = new HashSet<>();
        long now = System.nanoTime();
        for (Request request : live) {
            int state = request.state;
            if (state == WAITING) {
                queued++;
                oldest = Math.min(oldest, request.since);
            } else if (state == GRANTED) {
                if (request.mode == LockMode.WRITE) {
                    writers++;
                } else {
                    readers++;
                }
            } else {
                continue;
            }
            for (Path path : request.paths) {
                for (Path prefix = path; prefix != null; prefix = prefix.getParent()) {
                    nodes.add(prefix);
                }
            }
        }
        Duration wait = queued == 0 ? Duration.ZERO : Duration.ofNanos(Math.max(0, now - oldest));
        return new LockStats(queued, readers, writers, wait, nodes.size());
    }

    /** Whether this manager has a usable ZooKeeper session now. */
    public boolean isConnected() {
        return connected;
    }

    @Override
    public boolean isAvailable() {
        return connected;
    }

    /** Releases nothing by itself: locks end with their session, and the session with an owned client. */
    @Override
    public void close() {
        client.getConnectionStateListenable().removeListener(connection);
        rechecks.shutdownNow();
        if (ownsClient) {
            client.close();
        }
    }

    // ------------------------------------------------------------------ acquisition

    private PathLock acquireOwned(List<Path> paths, LockMode mode, long timeoutNanos) throws InterruptedException {
        for (Path path : paths) {
            PathRules.requireLockable(path, mode);
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        List<Request> mine = holds.get();
        PathLock nested = nestedHold(mine, paths, mode);
        if (nested != null) {
            return nested;
        }
        Request request = enqueue(paths, mode);
        long deadline = System.nanoTime() + Math.max(0L, timeoutNanos);
        while (true) {
            CountDownLatch changed = new CountDownLatch(1);
            request.wake = changed;
            List<Queued> blockers;
            try {
                blockers = check(request, changed::countDown);
            } catch (InterruptedException e) {
                request.abandon();
                throw e;
            } catch (Exception e) {
                request.abandon();
                throw failure(request, e);
            }
            if (blockers.isEmpty()) {
                if (request.grant()) {
                    request.owner = mine;
                    mine.add(request);
                    return request;
                }
            } else if (!mine.isEmpty() && waitsOnHold(request, blockers, mine)) {
                request.abandon();
                throw new IllegalStateException("Deadlock refused: " + request + " would wait on a lock this thread holds");
            }
            if (request.state == LOST) {
                throw new LockLostException("ZooKeeper session lost while waiting for " + request);
            }
            boolean woken;
            try {
                if (timeoutNanos < 0) {
                    changed.await();
                    woken = true;
                } else {
                    woken = changed.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                }
            } catch (InterruptedException e) {
                request.abandon();
                throw e;
            }
            if (!woken) {
                request.abandon();
                throw new LockTimeoutException("Timed out after " + Duration.ofNanos(timeoutNanos) + " waiting for " + request);
            }
        }
    }

    /** Creates the request's znode: its arrival. */
    private Request enqueue(List<Path> paths, LockMode mode) throws InterruptedException {
        if (!connected) {
            throw new LockLostException("No ZooKeeper session: locks cannot be taken until it is re-established");
        }
        Request request = new Request(paths, mode);
        String id = java.util.UUID.randomUUID().toString().replace("-", "");
        try {
            String created = client.create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath(queue + "/" + PREFIX
                    + (mode == LockMode.WRITE ? 'W' : 'R') + "-" + id + "-" + encode(paths) + "-");
            request.node = created.substring(created.lastIndexOf('/') + 1);
            request.seq = parse(request.node).seq();
        } catch (Exception e) {
            deleteOrphan(id);
            if (e instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            throw failure(request, e);
        }
        live.add(request);
        return request;
    }

    /** Deletes the znode a failed create may have made after all. */
    private void deleteOrphan(String id) {
        boolean interrupted = false;
        while (true) {
            interrupted |= Thread.interrupted();
            try {
                for (String child : client.getChildren().forPath(queue)) {
                    if (child.contains("-" + id + "-")) {
                        interrupted |= delete(child);
                    }
                }
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (Exception e) {
                break; // the session's end removes it at the latest
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Deletes a znode, retrying when the calling thread is interrupted — a znode left behind
     * would block every later conflicting request until the session ends. Connection problems
     * are Curator's guaranteed delete's to retry. Returns whether an interrupt was absorbed.
     */
    private boolean delete(String child) {
        boolean interrupted = false;
        while (true) {
            interrupted |= Thread.interrupted();
            try {
                client.delete().guaranteed().forPath(queue + "/" + child);
                return interrupted;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (KeeperException.NoNodeException gone) {
                return interrupted;
            } catch (Exception e) {
                return interrupted;
            }
        }
    }

    private RuntimeException failure(Request request, Exception cause) {
        return connected ? new IllegalStateException("ZooKeeper failed for " + request + ": " + cause, cause)
                : new LockLostException("ZooKeeper session unavailable for " + request + ": " + cause);
    }

    /**
     * The earlier live requests that conflict with {@code request}; when there are some, a
     * watch on the latest of them calls {@code onChange}.
     */
    private List<Queued> check(Request request, Runnable onChange) throws Exception {
        while (true) {
            List<Queued> blockers = new ArrayList<>();
            for (String child : client.getChildren().forPath(queue)) {
                Queued other = parse(child);
                if (other != null && other.seq() < request.seq && other.conflicts(request.paths, request.mode)) {
                    blockers.add(other);
                }
            }
            if (blockers.isEmpty()) {
                return blockers;
            }
            Queued latest = blockers.stream().max((a, b) -> Long.compare(a.seq(), b.seq())).orElseThrow();
            if (client.checkExists().usingWatcher((org.apache.zookeeper.Watcher) event -> onChange.run())
                    .forPath(queue + "/" + latest.name()) != null) {
                return blockers;
            }
        }
    }

    private void recheckAsync(Request request) {
        if (request.state != WAITING) {
            return;
        }
        List<Queued> blockers;
        try {
            blockers = check(request, () -> {
                try {
                    rechecks.execute(() -> recheckAsync(request));
                } catch (java.util.concurrent.RejectedExecutionException closed) {
                    request.lose();
                }
            });
        } catch (Exception e) {
            request.abandon();
            request.future.completeExceptionally(failure(request, e));
            return;
        }
        if (blockers.isEmpty() && request.grant() && !request.future.complete(request)) {
            request.abandon();
        }
    }

    /**
     * Whether the request waits, directly or through earlier requests that wait themselves, on
     * one of {@code mine}: their thread could then never release it.
     */
    private boolean waitsOnHold(Request request, List<Queued> blockers, List<Request> mine) {
        Set<String> held = new HashSet<>();
        for (Request hold : mine) {
            held.add(hold.node);
        }
        List<Queued> all = new ArrayList<>();
        try {
            for (String child : client.getChildren().forPath(queue)) {
                Queued q = parse(child);
                if (q != null) {
                    all.add(q);
                }
            }
        } catch (Exception e) {
            return false;
        }
        ArrayDeque<Queued> pending = new ArrayDeque<>(blockers);
        Set<String> seen = new HashSet<>();
        while (!pending.isEmpty()) {
            Queued next = pending.poll();
            if (!seen.add(next.name())) {
                continue;
            }
            if (held.contains(next.name())) {
                return true;
            }
            for (Queued earlier : all) {
                if (earlier.seq() < next.seq() && earlier.conflicts(next.paths(), next.mode())) {
                    pending.add(earlier);
                }
            }
        }
        return false;
    }

    private static PathLock nestedHold(List<Request> mine, List<Path> paths, LockMode mode) {
        for (Request hold : mine) {
            if (hold.granted() && hold.mode.covers(mode) && hold.coversAll(paths)) {
                return PathLock.nestedIn(hold, paths.get(0), mode);
            }
        }
        for (Request hold : mine) {
            for (Path theirs : hold.paths) {
                for (Path wanted : paths) {
                    if (PathRules.related(theirs, wanted)) {
                        throw new IllegalStateException("Deadlock refused: " + mode + " " + paths
                                + " would wait on this thread's own " + hold.mode + " lock on " + theirs);
                    }
                }
            }
        }
        return null;
    }

    private void connectionChanged(CuratorFramework source, ConnectionState state) {
        switch (state) {
            case SUSPENDED -> connected = false;
            case LOST -> {
                connected = false;
                for (Request request : live) {
                    request.lose();
                }
            }
            case CONNECTED, RECONNECTED -> connected = true;
            default -> {
            }
        }
    }

    // ------------------------------------------------------------------ znode names

    private static String encode(List<Path> paths) {
        StringBuilder text = new StringBuilder();
        for (Path path : paths) {
            text.append(text.length() == 0 ? "" : "\n").append(path);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The request a queue child stands for; {@code null} for a child that is not one of ours. */
    static Queued parse(String name) {
        int payloadAt = PREFIX.length() + 2 + ID_LENGTH + 1;
        int seqAt = name.lastIndexOf('-');
        if (!name.startsWith(PREFIX) || seqAt < payloadAt) {
            return null;
        }
        LockMode mode = name.charAt(PREFIX.length()) == 'W' ? LockMode.WRITE : LockMode.READ;
        String payload = name.substring(payloadAt, seqAt);
        List<Path> paths = new ArrayList<>();
        for (String path : new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8).split("\n")) {
            paths.add(Path.of(path));
        }
        return new Queued(name, Long.parseLong(name.substring(seqAt + 1)), mode, paths);
    }

    /** A live request as the queue shows it. */
    record Queued(String name, long seq, LockMode mode, List<Path> paths) {
        boolean conflicts(List<Path> otherPaths, LockMode otherMode) {
            for (Path mine : paths) {
                for (Path theirs : otherPaths) {
                    if (PathRules.conflict(mine, mode, theirs, otherMode)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    private static List<Path> nonEmpty(Collection<Path> paths) {
        List<Path> copy = List.copyOf(paths);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("At least one path is required");
        }
        return copy;
    }

    private static long nanos(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            return 0L;
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE / 2;
        }
    }

    // ------------------------------------------------------------------ locks

    /** One request: its znode, its state, and the lock handed out once it is granted. */
    private final class Request implements PathLock {
        final List<Path> paths;
        final LockMode mode;
        final long since = System.nanoTime();
        volatile int state = WAITING;
        volatile String node;
        volatile CountDownLatch wake;
        long seq;
        List<Request> owner;
        CompletableFuture<PathLock> future;

        Request(List<Path> paths, LockMode mode) {
            this.paths = paths;
            this.mode = mode;
        }

        synchronized boolean grant() {
            if (state != WAITING) {
                return false;
            }
            state = GRANTED;
            return true;
        }

        @Override
        public Path path() {
            return paths.get(0);
        }

        @Override
        public LockMode mode() {
            return mode;
        }

        /**
         * Asks ZooKeeper whether this request's znode still exists: the answer a commit can rely
         * on, even when the session was expired by the server before this client noticed.
         */
        @Override
        public boolean isHeld() {
            if (!granted()) {
                return false;
            }
            try {
                return client.checkExists().forPath(queue + "/" + node) != null;
            } catch (Exception e) {
                return false;
            }
        }

        /** Granted, and not known to be lost: what this JVM's own bookkeeping says. */
        boolean granted() {
            return state == GRANTED && connected;
        }

        @Override
        public void disown() {
            List<Request> holder = owner;
            if (holder != null) {
                owner = null;
                holder.remove(this);
            }
        }

        @Override
        public void close() {
            synchronized (this) {
                if (state != GRANTED) {
                    return;
                }
                state = RELEASED;
            }
            finish();
        }

        /** Withdraws a waiting request or releases a granted one. */
        void abandon() {
            synchronized (this) {
                if (state == WAITING) {
                    state = WITHDRAWN;
                } else if (state == GRANTED) {
                    state = RELEASED;
                } else {
                    return;
                }
            }
            finish();
        }

        /** The session that held this request is gone: it is neither held nor waiting any more. */
        void lose() {
            int before;
            synchronized (this) {
                before = state;
                if (before != WAITING && before != GRANTED) {
                    return;
                }
                state = LOST;
            }
            live.remove(this);
            disown();
            CountDownLatch waiting = wake;
            if (waiting != null) {
                waiting.countDown();
            }
            if (future != null && before == WAITING) {
                future.completeExceptionally(new LockLostException("ZooKeeper session lost while waiting for " + this));
            }
        }

        private void finish() {
            live.remove(this);
            disown();
            if (delete(node)) {
                Thread.currentThread().interrupt();
            }
        }

        boolean coversAll(List<Path> wanted) {
            for (Path path : wanted) {
                if (paths.stream().noneMatch(mine -> PathRules.isAtOrAbove(mine, path))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            return mode + " " + (paths.size() == 1 ? paths.get(0) : paths);
        }
    }
}
