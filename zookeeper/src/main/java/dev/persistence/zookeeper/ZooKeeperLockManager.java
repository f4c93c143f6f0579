package dev.persistence.zookeeper;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;

import dev.persistence.LockLostException;
import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.LockStats;
import dev.persistence.LockTimeoutException;
import dev.persistence.PathLock;
import dev.persistence.spi.ManagedLock;
import dev.persistence.spi.PathRules;
import dev.persistence.spi.Reentrancy;

/**
 * A {@link LockManager} whose locks are shared by every JVM that uses the same ZooKeeper
 * ensemble and base path. Semantics as documented on {@link LockManager}, across JVMs;
 * {@link #stats()} describes this instance's own requests. Paths are those of the default
 * filesystem.
 *
 * <p>
 * A lock's {@link PathLock#fencingToken() fencing token} is the ZooKeeper transaction id of its
 * request's arrival: conflicting locks are granted in arrival order, in every JVM.
 *
 * <p>
 * When the ZooKeeper session ends, every lock taken through it is lost for good:
 * {@link PathLock#isHeld()} answers {@code false}, nested requests under it throw
 * {@link LockLostException}, and waiting requests fail with it.
 */
public final class ZooKeeperLockManager implements LockManager, AutoCloseable {

    /*
     * A LockManager shared by every JVM connected to one ZooKeeper ensemble: the conflict rule and
     * strict FIFO of the in-process manager, with ZooKeeper as the one authority on arrival order.
     * This file owns the request state machine; the znode layout is Znodes', the session's end and
     * the raw ZooKeeper calls are ZooKeeperSession's.
     *
     * Design: the local manager's multi-granularity queues, one per path node, kept in ZooKeeper.
     * - A request puts one EPHEMERAL_SEQUENTIAL entry on every node of its paths — an intention
     * entry (IR, IW) on each ancestor but a filesystem root, a real entry (R, W) on each requested
     * path — all in ONE multi transaction. Its arrival is that transaction's zxid, the czxid of each entry: all its
     * entries arrive at one instant, in one total order with every other request's.
     * - Real entries of a node are in its list "r", intention entries in its list "i". At a node,
     * entries conflict as in the classic matrix (PathRules.entriesConflict: W with all; R with
     * IW; IW with R; IR with W).
     * - INVARIANT: a request is granted exactly when no entry of an earlier request (smaller czxid)
     * that conflicts with one of its entries is left on any of its nodes. No earlier entry can
     * appear after a request arrived, so the blockers a request finds once can only go away.
     * That is the FIFO rule of the contract: granted once every earlier conflicting request is gone.
     * - Finding the blockers reads only the request's own nodes, in one multi-read: for an intention
     * entry, the node's "r" list (requests ON that ancestor); for a real entry, both lists (the
     * node's own requests and those below it). Unrelated requests — siblings, cousins — are in
     * none of them. A root holds no intention (Znodes.entries: none would conflict but a write's
     * IW with a READ of the root), so a write also reads its root's "r" list, and a READ of a root
     * lists the root's children and reads both lists of each, in the same multi-read and one more:
     * every earlier write below the root is on one of them. No request on a root can be a write. Within a list, sequence order
     * is czxid order; across lists a few exists()
     * calls from the list's end find where "earlier" stops.
     * - A waiting request watches one blocker at a time, the newest (an exists watch). When it is
     * deleted, one multi-read asks about the next newest and the oldest, and if both are gone (a
     * FIFO drain), about all the rest; the gone are dropped, the newest left is watched. A release
     * wakes only the requests that wait for that entry, no list is read again, and a reconnect
     * that keeps the session keeps every watch.
     * - The create is never retried blindly: after a connection loss the request's random id finds
     * its entries (the multi either created all or none). A duplicate that slipped through anyway
     * carries the same id, is seen when the blockers are read, and is deleted at once.
     * - Nodes and lists are containers the server reaps when empty; a create that finds one gone
     * (NoNode: the multi created nothing) recreates the containers and tries again.
     * - A session's end poisons every request arrived in it: a waiting one fails with
     * LockLostException, a granted one is LOST — not held, and still in its thread's holds, so that
     * a nested request under it throws LockLostException instead of queueing afresh — until the
     * caller closes it. Its entries are deleted from the new session at once (they may outlive the
     * old session on the server until it expires there too).
     * - Ownership is the shared layer's (dev.persistence.spi: ManagedLock, Reentrancy), as for the
     * in-process manager: a request covered by one of this manager's locks in the context gets a
     * nested hold, an asynchronous one in context a pinned hold (the covering lock's entries stay
     * until it is closed); a related lock that does not cover it is refused with
     * IllegalStateException (LockLostException when that lock is lost). This file adds only the
     * check that a request would wait, through this JVM's waiting requests, on such a lock.
     * Threads: a blocking acquire without a deadline (or with a zero one) arrives and reads its nodes
     * on its own thread; a timed or asynchronous one does so on the manager's worker threads, so that
     * the timeout counts from the call, arrival included, and acquireAsync returns within the
     * connection timeout whatever ZooKeeper does. Watches hand their work to the workers; futures are
     * completed there — never in a releasing thread, never in the caller of close().
     */

    private static final int WAITING = 0, GRANTED = 1, RELEASED = 2, WITHDRAWN = 3, LOST = 4;
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    /** How long entries that could not be deleted are retried in the background. */
    private static final long RETRY_DELETES_NANOS = TimeUnit.MINUTES.toNanos(10);
    /** The most znodes asked about in one multi-read, and the most bytes of their paths (see batches()). */
    private static final byte[] NO_DATA = {};
    private static final int PRUNE_BATCH = 1_000, PRUNE_BYTES = 256 * 1024;

    private final CuratorFramework client;
    private final boolean ownsClient;
    private final Znodes znodes;
    private final ZooKeeperSession session;
    private final ExecutorService worker;
    private final List<ACL> acl;
    private final Map<String, Request> live = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private ZooKeeperLockManager(CuratorFramework client, String basePath, boolean ownsClient) {
        this.client = Objects.requireNonNull(client, "client");
        this.ownsClient = ownsClient;
        this.znodes = new Znodes(basePath);
        this.acl = ZooDefs.Ids.OPEN_ACL_UNSAFE; // as Curator's default ACL provider
        int instance = INSTANCES.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        this.worker = Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "persistence-zookeeper-" + instance + "-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.session = new ZooKeeperSession(client, this::sessionEnded);
    }

    /** A manager with its own Curator client to {@code connectString}; {@link #close()} closes the client. */
    public static ZooKeeperLockManager create(String connectString) {
        return create(connectString, Duration.ofSeconds(30), "/persistence");
    }

    /**
     * A manager with its own Curator client to {@code connectString} and the given session
     * timeout, keeping its queues under {@code basePath}; {@link #close()} closes the client.
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

    /** A manager over a started client, keeping its queues under {@code basePath}; the client stays the caller's. */
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

    /**
     * {@inheritDoc}
     *
     * <p>
     * Returns once the request has arrived and been checked once (about two round trips), so
     * that a free lock's future is already complete; it never waits for a grant. Without a session
     * it returns a future failed with {@link LockLostException} at once; if ZooKeeper does not
     * answer within the client's connection timeout, it returns the future still pending.
     */
    @Override
    public CompletableFuture<PathLock> acquireAsync(Path path, LockMode mode) {
        return acquireAsync(List.of(path), mode);
    }

    /** {@inheritDoc} As {@link #acquireAsync(Path, LockMode)}: one request for all the paths. */
    @Override
    public CompletableFuture<PathLock> acquireAllAsync(Collection<Path> paths, LockMode mode) {
        return acquireAsync(nonEmpty(paths), mode);
    }

    private CompletableFuture<PathLock> acquireAsync(List<Path> paths, LockMode mode) {
        for (Path path : paths) {
            PathRules.requireLockable(path, mode);
        }
        Request request;
        try {
            request = start(paths, mode, false);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        request.promise.whenComplete((lock, failure) -> {
            if (failure != null || lock != request) {
                request.abandon();
            }
        });
        try {
            // Arrival before return, as the contract's "enqueued now" asks: one round trip,
            // bounded by the connection timeout whatever ZooKeeper does.
            request.checked.get(client.getZookeeperClient().getConnectionTimeoutMs(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // still pending: the future tells the rest
        }
        return request.promise;
    }

    @Override
    public LockStats stats() {
        int queued = 0, readers = 0, writers = 0;
        long oldest = Long.MAX_VALUE;
        Set<Path> nodes = new HashSet<>();
        for (Request request : live.values()) {
            int state = request.state;
            if (state == WAITING && request.names != null) {
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
        Duration wait = queued == 0 ? Duration.ZERO : Duration.ofNanos(Math.max(0, System.nanoTime() - oldest));
        return new LockStats(queued, readers, writers, wait, nodes.size());
    }

    /** Whether this manager has a usable ZooKeeper session now. */
    public boolean isConnected() {
        return session.connected();
    }

    @Override
    public boolean isAvailable() {
        return session.connected() && !closed;
    }

    /**
     * Withdraws every waiting request of this manager (their futures fail with
     * {@link IllegalStateException}) and releases every lock it granted, deleting their entries
     * before it returns when a session is usable; closes the client if the manager created it.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        session.close();
        for (Request request : live.values()) {
            String[] names = request.end(new IllegalStateException("The lock manager was closed"));
            if (names != null) {
                deleteEntries(names);
            }
        }
        worker.shutdown();
        if (ownsClient) {
            client.close();
        }
    }

    // ------------------------------------------------------------------ acquisition

    private PathLock acquireOwned(List<Path> paths, LockMode mode, long timeoutNanos) throws InterruptedException {
        long start = System.nanoTime();
        for (Path path : paths) {
            PathRules.requireLockable(path, mode);
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        Reentrancy context = Reentrancy.of(this);
        if (!context.isEmpty()) {
            PathLock nested = context.nestedHold(paths, mode);
            if (nested != null) {
                return nested;
            }
        }
        // Without a deadline to keep, the caller's own thread does the arrival: no hand-off.
        Request request = start(paths, mode, timeoutNanos <= 0);
        try {
            if (!context.isEmpty() || timeoutNanos == 0) {
                // The deadlock check and a zero timeout need the first check's answer: already
                // there after an arrival on this thread, awaited within the deadline otherwise.
                if (timeoutNanos > 0) {
                    request.checked.get(Math.max(0L, start + timeoutNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
                } else {
                    request.checked.get();
                }
                if (request.state == WAITING && !context.isEmpty() && waitsOnHold(request, context)) {
                    request.withdraw(null);
                    throw Reentrancy.waitRefused(request.toString());
                }
            }
            if (timeoutNanos < 0) {
                request.promise.get();
            } else {
                request.promise.get(Math.max(0L, start + timeoutNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (TimeoutException e) {
            if (request.withdraw(null)) {
                throw new LockTimeoutException("Timed out after " + Duration.ofNanos(timeoutNanos) + " waiting for " + request);
            } // granted at the deadline: the grant wins
        } catch (InterruptedException e) {
            if (!request.withdraw(null)) {
                request.close(); // granted while being interrupted: give it back
            }
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new IllegalStateException(e.getCause());
        }
        if (request.state != GRANTED) {
            throw new LockLostException("ZooKeeper session lost right after granting " + request);
        }
        request.own();
        return request;
    }

    /** A new request, arriving on the calling thread ({@code inline}) or on a worker. */
    private Request start(List<Path> paths, LockMode mode, boolean inline) {
        if (closed) {
            throw new IllegalStateException("The lock manager was closed");
        }
        if (!session.connected()) {
            throw new LockLostException("No ZooKeeper session: locks cannot be taken until it is re-established");
        }
        Request request = new Request(paths, mode, znodes.entries(paths, mode));
        live.put(request.id, request);
        if (inline) {
            run(request);
            return request;
        }
        try {
            worker.execute(() -> run(request));
        } catch (RejectedExecutionException e) {
            request.end(new IllegalStateException("The lock manager was closed"));
            throw new IllegalStateException("The lock manager was closed");
        }
        return request;
    }

    /** A request's life on the worker: arrival, the one reading of its nodes, then its blockers. */
    private void run(Request request) {
        try {
            arrive(request);
            if (request.names != null && request.state == WAITING) {
                findBlockers(request);
                advance(request);
            }
        } catch (RuntimeException | KeeperException e) {
            request.fail(e);
        } finally {
            request.checked.complete(null);
        }
    }

    /** Creates all the request's entries in one multi: its arrival. */
    private void arrive(Request request) throws KeeperException {
        List<Op> creates = new ArrayList<>(request.entries.size());
        for (Map.Entry<String, Integer> entry : request.entries.entrySet()) {
            creates.add(Op.create(session.onServer(Znodes.entryPrefix(entry.getKey(), entry.getValue(), request.id)),
                    NO_DATA, acl, CreateMode.EPHEMERAL_SEQUENTIAL));
        }
        while (request.state == WAITING) {
            ZooKeeper zk = session.zk();
            long sessionId = zk.getSessionId();
            try {
                List<OpResult> results = zk.multi(creates);
                String[] names = new String[results.size()];
                for (int i = 0; i < names.length; i++) {
                    names[i] = ((OpResult.CreateResult) results.get(i)).getPath();
                }
                arrived(request, names, sessionId);
                return;
            } catch (KeeperException.NoNodeException e) {
                createLists(request);
            } catch (KeeperException.ConnectionLossException | KeeperException.OperationTimeoutException e) {
                session.awaitConnected(System.nanoTime() + TimeUnit.SECONDS.toNanos(1), request::waiting);
                String[] found = session.id() == sessionId ? findEntries(request, sessionId) : null;
                if (found != null) {
                    arrived(request, found, sessionId);
                    return;
                }
            } catch (KeeperException.SessionExpiredException | KeeperException.SessionMovedException e) {
                session.awaitConnected(System.nanoTime() + TimeUnit.SECONDS.toNanos(1), request::waiting);
            } catch (InterruptedException e) {
                // The caller was interrupted; the multi may have been applied all the same: the
                // next call in this session tells, and what it finds is deleted.
                String[] found = findEntries(request, sessionId);
                request.withdraw(null);
                if (found != null) {
                    arrived(request, found, sessionId);
                }
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void arrived(Request request, String[] names, long sessionId) {
        if (!request.arrived(names, sessionId)) {
            deleteEntries(names); // withdrawn while arriving
        }
    }

    private void createLists(Request request) throws KeeperException {
        for (Map.Entry<String, Integer> entry : request.entries.entrySet()) {
            try {
                session.createContainers(Znodes.list(entry.getKey(), entry.getValue()));
            } catch (KeeperException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("Cannot create " + Znodes.list(entry.getKey(), entry.getValue()), e);
            }
        }
    }

    /** The request's entries, when its multi was applied after all (its reply lost); {@code null} if not. */
    private String[] findEntries(Request request, long sessionId) throws KeeperException {
        String[] names = new String[request.entries.size()];
        int i = 0;
        for (Map.Entry<String, Integer> entry : request.entries.entrySet()) {
            String list = session.onServer(Znodes.list(entry.getKey(), entry.getValue()));
            List<String> children;
            try {
                children = session.retrying(sessionId, request::waiting, zk -> zk.getChildren(list, false));
            } catch (KeeperException.NoNodeException e) {
                return null;
            }
            String mine = null;
            for (String child : children) {
                Znodes.Entry parsed = Znodes.parse(child);
                if (parsed != null && parsed.id().equals(request.id)) {
                    mine = list + "/" + child;
                }
            }
            if (mine == null) {
                return null; // all or nothing: the first list tells
            }
            names[i++] = mine;
        }
        return names;
    }

    /**
     * Reads the request's nodes once, in one multi-read: its own first entry (for its czxid, the
     * arrival and fencing token) and the lists its entries conflict with. Fills its blockers.
     */
    private void findBlockers(Request request) throws KeeperException {
        List<ListCheck> checks = new ArrayList<>();
        List<ListCheck> rootReads = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, Integer> entry : request.entries.entrySet()) {
            int mode = entry.getValue();
            String node = session.onServer(entry.getKey()), name = request.names[i++];
            if (znodes.isRoot(entry.getKey())) {
                // A READ of a root, the only entry a root holds: the root's lists hold nothing it
                // conflicts with (READs, no intention); the writes below it are on its children's.
                rootReads.add(new ListCheck(node, mode, name));
                continue;
            }
            checks.add(new ListCheck(node + "/r", mode, name));
            if (mode >= PathRules.R) {
                checks.add(new ListCheck(node + "/i", mode, name));
            }
        }
        if (request.mode == LockMode.WRITE) {
            // The READs of a root, for the intention a write no longer puts there (see Znodes.entries).
            for (String root : znodes.roots(request.paths)) {
                checks.add(new ListCheck(session.onServer(root) + "/r", PathRules.IW, request.names[0]));
            }
        }
        List<Op> reads = new ArrayList<>(1 + checks.size() + rootReads.size());
        reads.add(Op.getData(request.names[0]));
        for (ListCheck check : checks) {
            reads.add(Op.getChildren(check.list()));
        }
        for (ListCheck root : rootReads) {
            reads.add(Op.getChildren(root.list()));
        }
        List<OpResult> results = multiRead(request, reads);
        if (!(results.get(0) instanceof OpResult.GetDataResult own)) {
            throw new LockLostException("The entries of " + request + " are gone: its session ended");
        }
        request.token = own.getStat().getCzxid();
        boolean orphans = collectBlockers(request, checks, results.subList(1, 1 + checks.size()));
        List<ListCheck> below = new ArrayList<>();
        for (int k = 0; k < rootReads.size(); k++) {
            if (results.get(1 + checks.size() + k) instanceof OpResult.GetChildrenResult children) {
                ListCheck root = rootReads.get(k);
                for (String child : children.getChildren()) {
                    if (Znodes.isNode(child)) {
                        below.add(new ListCheck(root.list() + "/" + child + "/r", root.ownMode(), root.ownName()));
                        below.add(new ListCheck(root.list() + "/" + child + "/i", root.ownMode(), root.ownName()));
                    }
                }
            }
        }
        // Every write that arrived before the READ of the root is on a node that existed then and
        // still holds its entries: one listing after the arrival finds them all.
        for (List<ListCheck> batch : batches(below, ListCheck::list)) {
            List<Op> lists = new ArrayList<>(batch.size());
            for (ListCheck check : batch) {
                lists.add(Op.getChildren(check.list()));
            }
            orphans |= collectBlockers(request, batch, multiRead(request, lists));
        }
        if (orphans) {
            deleteOrphans(request);
        }
    }

    /** One list to read for a request's blockers, with the entry of the request it is read for. */
    private record ListCheck(String list, int ownMode, String ownName) {
    }

    /** Adds the blockers found in lists read (a list that is not there holds none); returns whether it saw an orphan. */
    private boolean collectBlockers(Request request, List<ListCheck> checks, List<OpResult> results) throws KeeperException {
        boolean orphans = false;
        for (int k = 0; k < checks.size(); k++) {
            if (results.get(k) instanceof OpResult.GetChildrenResult children) {
                ListCheck check = checks.get(k);
                orphans |= collectBlockers(request, check.list(), check.ownMode(), check.ownName(), children.getChildren());
            }
        }
        return orphans;
    }

    /**
     * Splits znode paths to ask about into batches for one multi-read each: a request above the
     * server's packet limit (jute.maxbuffer, 1 MB by default) would cut the connection.
     */
    private static <T> List<List<T>> batches(List<T> items, Function<T, String> path) {
        List<List<T>> batches = new ArrayList<>();
        int from = 0;
        while (from < items.size()) {
            int to = from, bytes = 0;
            while (to < items.size() && to - from < PRUNE_BATCH && bytes < PRUNE_BYTES) {
                bytes += path.apply(items.get(to++)).length() + 16;
            }
            batches.add(items.subList(from, to));
            from = to;
        }
        return batches;
    }

    /** Adds the earlier entries of one list that conflict with the request's entry; returns whether it saw an orphan. */
    private boolean collectBlockers(Request request, String list, int ownMode, String ownName, List<String> children)
            throws KeeperException {
        boolean sameList = ownName.startsWith(list + "/");
        long ownSeq = sameList ? Znodes.parse(ownName.substring(list.length() + 1)).seq() : -1;
        List<Znodes.Entry> conflicting = new ArrayList<>();
        boolean orphans = false;
        for (String child : children) {
            Znodes.Entry entry = Znodes.parse(child);
            if (entry == null) {
                continue;
            }
            if (entry.id().equals(request.id)) {
                orphans |= !(list + "/" + child).equals(ownName) && !List.of(request.names).contains(list + "/" + child);
            } else if (PathRules.entriesConflict(ownMode, entry.mode())) {
                conflicting.add(entry);
            }
        }
        conflicting.sort((a, b) -> Long.compare(a.seq(), b.seq()));
        int earlier;
        if (sameList) {
            earlier = 0;
            while (earlier < conflicting.size() && conflicting.get(earlier).seq() < ownSeq) {
                earlier++;
            }
        } else {
            earlier = boundary(request, list, conflicting);
        }
        for (int k = 0; k < earlier; k++) {
            request.blockers.add(list + "/" + conflicting.get(k).name());
        }
        return orphans;
    }

    /**
     * How many of a list's entries (in sequence order) arrived before the request: walking back
     * from the newest, the first one still there with a smaller czxid ends the later ones.
     * Usually the newest entry already is earlier: one exists() call.
     */
    private int boundary(Request request, String list, List<Znodes.Entry> entries) throws KeeperException {
        for (int k = entries.size() - 1; k >= 0; k--) {
            String name = list + "/" + entries.get(k).name();
            Stat stat = session.retrying(request.sessionId, request::waiting, zk -> zk.exists(name, false));
            if (stat != null && stat.getCzxid() < request.token) {
                return k + 1;
            }
        }
        return 0;
    }

    /** Deletes the duplicates a retried create left with the request's id: they would block others. */
    private void deleteOrphans(Request request) throws KeeperException {
        Set<String> own = Set.of(request.names);
        List<String> orphans = new ArrayList<>();
        for (Map.Entry<String, Integer> entry : request.entries.entrySet()) {
            String list = session.onServer(Znodes.list(entry.getKey(), entry.getValue()));
            for (String child : session.retrying(request.sessionId, request::waiting, zk -> zk.getChildren(list, false))) {
                Znodes.Entry parsed = Znodes.parse(child);
                if (parsed != null && parsed.id().equals(request.id) && !own.contains(list + "/" + child)) {
                    orphans.add(list + "/" + child);
                }
            }
        }
        deleteEntries(orphans.toArray(String[]::new));
    }

    /** Watches the request's blockers one at a time, newest first; grants it when none is left. */
    private void advance(Request request) {
        synchronized (request.advancing) {
            try {
                while (request.state == WAITING) {
                    String next = request.blockers.peekLast();
                    if (next == null) {
                        request.grant();
                        return;
                    }
                    Watcher watcher = event -> {
                        if (event.getType() != Watcher.Event.EventType.None) {
                            onWorker(() -> advance(request));
                        }
                    };
                    if (session.retrying(request.sessionId, request::waiting, zk -> zk.exists(next, watcher)) != null) {
                        return;
                    }
                    request.blockers.pollLast();
                    dropGone(request);
                }
            } catch (RuntimeException | KeeperException e) {
                request.fail(e);
            }
        }
    }

    /**
     * After the newest blocker went: asks whether the next newest and the oldest are still there,
     * in one multi-read; if both are gone (a FIFO drain: everything before a released writer went
     * before it), asks about all the others in as few multi-reads as the server's packet limit
     * allows, dropping those gone. Asking one at a time would make draining N waiters cost
     * N * N / 2 round trips; this costs about three per waiter.
     */
    private void dropGone(Request request) throws KeeperException {
        List<String> probes = new ArrayList<>(2);
        if (!request.blockers.isEmpty()) {
            probes.add(request.blockers.peekLast());
            String oldest = request.blockers.peekFirst();
            if (!probes.contains(oldest)) {
                probes.add(oldest);
            }
        }
        if (probes.isEmpty() || stillThere(request, probes)) {
            return;
        }
        for (List<String> batch : batches(new ArrayList<>(request.blockers), Function.identity())) {
            if (stillThere(request, batch)) {
                return;
            }
        }
    }

    /** Asks about some blockers in one multi-read, drops those gone; returns whether any is left. */
    private boolean stillThere(Request request, List<String> blockers) throws KeeperException {
        List<Op> reads = new ArrayList<>(blockers.size());
        for (String blocker : blockers) {
            reads.add(Op.getData(blocker));
        }
        List<OpResult> results = multiRead(request, reads);
        boolean someLeft = false;
        for (int i = 0; i < blockers.size(); i++) {
            if (results.get(i) instanceof OpResult.GetDataResult) {
                someLeft = true;
            } else {
                request.blockers.remove(blockers.get(i));
            }
        }
        return someLeft;
    }

    /** Reads in one round trip, in the request's session; a znode that is not there answers an ErrorResult. */
    private List<OpResult> multiRead(Request request, List<Op> reads) throws KeeperException {
        return session.retrying(request.sessionId, request::waiting, zk -> {
            try {
                return zk.multi(reads);
            } catch (KeeperException.NoNodeException e) {
                return e.getResults();
            }
        });
    }

    private void onWorker(Runnable task) {
        try {
            worker.execute(task);
        } catch (RejectedExecutionException closed) {
            // close() has withdrawn every request already
        }
    }

    /**
     * Deletes entries: at once when a session is usable, else (or when that fails) on a worker
     * as soon as one is. Entries of an ended session are deleted too: the server may keep that
     * session until it expires there.
     */
    private void deleteEntries(String[] names) {
        if (names.length > 0 && !tryDelete(names)) {
            onWorker(() -> {
                long deadline = System.nanoTime() + RETRY_DELETES_NANOS;
                while (System.nanoTime() < deadline && !(closed && ownsClient)) {
                    session.awaitConnected(deadline, () -> true);
                    if (tryDelete(names)) {
                        return;
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                }
            });
        }
    }

    /** One attempt; returns whether the entries are gone (or cannot be deleted by anyone). */
    private boolean tryDelete(String[] names) {
        if (!session.connected()) {
            return false;
        }
        List<Op> deletes = new ArrayList<>(names.length);
        for (String name : names) {
            deletes.add(Op.delete(name, -1));
        }
        boolean interrupted = Thread.interrupted();
        try {
            ZooKeeper zk = session.zk();
            try {
                zk.multi(deletes);
            } catch (KeeperException.NoNodeException partlyGone) {
                for (String name : names) {
                    try {
                        zk.delete(name, -1);
                    } catch (KeeperException.NoNodeException gone) {
                        // deleted already
                    }
                }
            }
            return true;
        } catch (KeeperException.ConnectionLossException | KeeperException.OperationTimeoutException
                | KeeperException.SessionExpiredException | KeeperException.SessionMovedException e) {
            return false;
        } catch (KeeperException e) {
            return true; // not ours to delete (an ACL, say): the session's end removes them
        } catch (InterruptedException e) {
            interrupted = true;
            return false;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The session {@code sessionId} ended: every request that arrived in it is lost. */
    private void sessionEnded(long sessionId) {
        for (Request request : live.values()) {
            if (request.sessionId == sessionId) {
                String[] names = request.lose();
                if (names != null) {
                    onWorker(() -> deleteEntries(names));
                }
            }
        }
    }

    /**
     * Whether the request waits, directly or through this JVM's waiting requests, on a lock of
     * the calling thread's context: the thread could then never release it. Requests of other JVMs are opaque.
     */
    private boolean waitsOnHold(Request start, Reentrancy context) {
        ArrayDeque<Request> pending = new ArrayDeque<>(List.of(start));
        Set<Request> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        seen.add(start);
        while (!pending.isEmpty()) {
            for (String blocker : pending.poll().blockers) {
                Znodes.Entry entry = Znodes.parse(blocker.substring(blocker.lastIndexOf('/') + 1));
                Request other = entry == null ? null : live.get(entry.id());
                if (other == null) {
                    continue;
                }
                if (other.state == GRANTED && context.holds(other)) {
                    return true;
                }
                if (other.state == WAITING && seen.add(other)) {
                    pending.add(other);
                }
            }
        }
        return false;
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

    // ------------------------------------------------------------------ requests

    /** One request: its entries, its state, and the lock handed out once it is granted. */
    private final class Request extends ManagedLock {
        final String id = UUID.randomUUID().toString().replace("-", "");
        final List<Path> paths;
        final LockMode mode;
        final Map<String, Integer> entries;
        final long since = System.nanoTime();
        /** Completes with this request when granted, exceptionally when it fails. */
        final CompletableFuture<PathLock> promise = new CompletableFuture<>();
        /** Completes once the request arrived and read its nodes (or failed). */
        final CompletableFuture<Void> checked = new CompletableFuture<>();
        final ConcurrentLinkedDeque<String> blockers = new ConcurrentLinkedDeque<>();
        final Object advancing = new Object();
        volatile int state = WAITING;
        /** Server paths of the entries, in the order of {@link #entries}, once arrived. */
        volatile String[] names;
        volatile long sessionId;
        volatile long token;

        Request(List<Path> paths, LockMode mode, Map<String, Integer> entries) {
            this.paths = paths;
            this.mode = mode;
            this.entries = entries;
        }

        boolean waiting() {
            return state == WAITING;
        }

        /** Records the arrival; returns {@code false} when the request was withdrawn meanwhile. */
        synchronized boolean arrived(String[] created, long session) {
            sessionId = session;
            names = created;
            return state == WAITING;
        }

        void grant() {
            synchronized (this) {
                if (state != WAITING) {
                    return;
                }
                state = GRANTED;
            }
            if (!promise.complete(this)) {
                abandon(); // completed by the caller meanwhile: release, never leak
            }
        }

        /**
         * Withdraws a waiting request: it blocks nobody from now on (its entries are deleted by
         * the worker). Completes the promise exceptionally with {@code cause} if one is given.
         * Returns whether the request was waiting.
         */
        boolean withdraw(RuntimeException cause) {
            String[] created;
            synchronized (this) {
                if (state != WAITING) {
                    return false;
                }
                state = WITHDRAWN;
                created = names;
            }
            live.remove(id);
            if (cause != null) {
                onWorker(() -> promise.completeExceptionally(cause));
            }
            if (created != null) {
                onWorker(() -> deleteEntries(created));
            }
            return true;
        }

        /** A failure while arriving or waiting: withdraws the request with the failure as its cause. */
        void fail(Exception e) {
            withdraw(e instanceof RuntimeException runtime ? runtime
                    : session.connected() ? new IllegalStateException("ZooKeeper failed for " + this + ": " + e, e)
                            : new LockLostException("ZooKeeper session unavailable for " + this + ": " + e));
        }

        /**
         * The manager closes: a waiting request is withdrawn with {@code cause}, a granted one
         * released. Returns the entries to delete, or {@code null}.
         */
        String[] end(RuntimeException cause) {
            String[] created;
            synchronized (this) {
                if (state == WAITING) {
                    state = WITHDRAWN;
                } else if (state == GRANTED) {
                    state = RELEASED;
                } else {
                    return null;
                }
                created = names;
            }
            live.remove(id);
            close(); // out of every context; a pinned hold still inside it releases nothing more
            onWorker(() -> promise.completeExceptionally(cause));
            return created;
        }

        /** The session this request arrived in ended. Returns the entries to delete, or {@code null}. */
        String[] lose() {
            int before;
            synchronized (this) {
                before = state;
                if (before != WAITING && before != GRANTED) {
                    return null;
                }
                state = LOST; // a granted request stays in its thread's holds until closed
            }
            live.remove(id);
            if (before == WAITING) {
                onWorker(() -> promise.completeExceptionally(
                        new LockLostException("ZooKeeper session lost while waiting for " + this)));
            }
            return names;
        }

        /** The caller no longer wants this request, whatever its state: withdraw or release. */
        void abandon() {
            if (!withdraw(null)) {
                close();
            }
        }

        /** Held, as far as this JVM knows without asking: granted, in the session that is usable now. */
        boolean alive() {
            return state == GRANTED && session.connected() && session.id() == sessionId;
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
         * Asks ZooKeeper whether this request's entry still exists, in the session it arrived
         * in: the answer a commit can rely on, even when the server expired the session before
         * this JVM was told. An interrupt of the calling thread neither changes the answer nor
         * is lost.
         */
        @Override
        public boolean isHeld() {
            if (!alive()) {
                return false;
            }
            boolean interrupted = Thread.interrupted();
            try {
                return session.zk().exists(names[0], false) != null && alive();
            } catch (KeeperException | InterruptedException e) {
                return false;
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /** The czxid of the request's entries: the ZooKeeper transaction of its arrival. */
        @Override
        public long fencingToken() {
            return token;
        }

        @Override
        public List<Path> paths() {
            return paths;
        }

        @Override
        protected ZooKeeperLockManager manager() {
            return ZooKeeperLockManager.this;
        }

        /** A lost lock, or one whose session is not usable now, protects nothing: requests inside it fail. */
        @Override
        protected void requireUsable(String request) {
            if (!alive()) {
                throw new LockLostException(request + " is inside this thread's " + this + (state == LOST
                        ? ", lost with its ZooKeeper session"
                        : ", whose ZooKeeper session is not usable now"));
            }
        }

        /** Called once, by close() or the last pinned hold's close (ManagedLock decides which). */
        @Override
        protected void release() {
            int before;
            synchronized (this) {
                before = state;
                if (before != GRANTED && before != LOST) {
                    return;
                }
                state = RELEASED;
            }
            live.remove(id);
            if (before == GRANTED) {
                deleteEntries(names);
            }
        }

        @Override
        public String toString() {
            return mode + " " + (paths.size() == 1 ? paths.get(0) : paths);
        }
    }
}
