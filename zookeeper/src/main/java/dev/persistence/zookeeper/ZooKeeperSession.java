package dev.persistence.zookeeper;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;

import dev.persistence.LockLostException;

/*
 * The ZooKeeper session as the lock manager sees it: whether one is usable now, which one it is,
 * and the end of each. It owns the Curator connection listener and the raw ZooKeeper handle;
 * the manager's calls go through it, never through Curator's own retry loop, so that a create
 * whose reply was lost is never sent twice behind the manager's back.
 *
 * A session ends when Curator reports LOST, or when a connection comes back with another session
 * id than the one before (the old session expired meanwhile): either way the manager is told the
 * id of the session that ended, once, before the new session counts as connected.
 */
final class ZooKeeperSession implements ConnectionStateListener {

    /** A call on the raw ZooKeeper handle. */
    interface Call<T> {
        T on(ZooKeeper zk) throws KeeperException, InterruptedException;
    }

    private final CuratorFramework client;
    private final LongConsumer ended;
    /** The client's namespace ("" for none): a client's namespace never changes. */
    private final String namespace;
    private final Object changes = new Object();
    private volatile boolean connected;
    /** The id of the session the manager works in; 0 before the first one. */
    private volatile long id;

    ZooKeeperSession(CuratorFramework client, LongConsumer ended) {
        this.client = client;
        this.ended = ended;
        this.namespace = client.getNamespace() == null ? "" : client.getNamespace();
        client.getConnectionStateListenable().addListener(this);
        if (client.getZookeeperClient().isConnected()) {
            id = currentId();
            connected = id != 0;
        }
    }

    /** Whether a session is usable now. */
    boolean connected() {
        return connected;
    }

    /** The id of the current (or last) session. */
    long id() {
        return id;
    }

    @Override
    public void stateChanged(CuratorFramework source, ConnectionState state) {
        switch (state) {
            case SUSPENDED -> connected = false;
            case LOST -> {
                connected = false;
                end(id);
            }
            case CONNECTED, RECONNECTED -> {
                long now = currentId();
                long before = id;
                if (before != 0 && now != before) {
                    end(before);
                }
                id = now;
                connected = now != 0;
            }
            default -> {
            }
        }
        synchronized (changes) {
            changes.notifyAll();
        }
    }

    private void end(long session) {
        if (session != 0) {
            ended.accept(session);
        }
    }

    private long currentId() {
        try {
            return client.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) {
            return 0;
        }
    }

    /**
     * Waits until a session is usable, while {@code wanted} holds; returns whether one is.
     * The interrupt status is kept, not thrown.
     */
    boolean awaitConnected(long deadlineNanos, BooleanSupplier wanted) {
        boolean interrupted = false;
        try {
            synchronized (changes) {
                while (!connected && wanted.getAsBoolean()) {
                    long left = deadlineNanos - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(changes, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                return connected;
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Runs an idempotent call in session {@code session}, again after each connection loss
     * once connected, while {@code wanted} holds. Throws LockLostException when that session is
     * gone or the call is no longer wanted. The interrupt status is kept, never thrown.
     */
    <T> T retrying(long session, BooleanSupplier wanted, Call<T> call) throws KeeperException {
        boolean interrupted = Thread.interrupted();
        try {
            while (true) {
                if (!wanted.getAsBoolean()) {
                    throw new LockLostException("No longer wanted");
                }
                if (session != 0 && id != session) {
                    throw new LockLostException("ZooKeeper session " + Long.toHexString(session) + " ended");
                }
                try {
                    return call.on(zk());
                } catch (KeeperException.ConnectionLossException | KeeperException.OperationTimeoutException e) {
                    awaitConnected(System.nanoTime() + TimeUnit.SECONDS.toNanos(1), wanted);
                } catch (KeeperException.SessionExpiredException | KeeperException.SessionMovedException e) {
                    throw new LockLostException("ZooKeeper session " + Long.toHexString(session) + " ended: " + e);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The raw handle of the current connection. */
    ZooKeeper zk() throws KeeperException {
        try {
            return client.getZookeeperClient().getZooKeeper();
        } catch (Exception e) {
            throw new KeeperException.ConnectionLossException();
        }
    }

    /** A manager path as the server knows it: with the Curator client's namespace, if any. */
    String onServer(String path) {
        // Curator's fixForNamespace validates and copies every path, even without a namespace;
        // ZooKeeper validates each path of a request anyway.
        return namespace.isEmpty() ? path : ZKPaths.makePath(namespace, path);
    }

    /** Creates the containers down to {@code path} (Curator's retries are fine here: idempotent). */
    void createContainers(String path) throws Exception {
        client.createContainers(path);
    }

    void close() {
        client.getConnectionStateListenable().removeListener(this);
    }
}
