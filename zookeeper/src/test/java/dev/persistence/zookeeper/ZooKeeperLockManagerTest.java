package dev.persistence.zookeeper;

import java.util.concurrent.atomic.AtomicInteger;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import dev.persistence.LockManager;
import dev.persistence.LockManagerContract;

/** The lock manager contract against ZooKeeper: an in-JVM server on loopback, a fresh queue per test. */
class ZooKeeperLockManagerTest extends LockManagerContract {

    private static final AtomicInteger QUEUES = new AtomicInteger();
    static TestingServer server;
    static CuratorFramework client;

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(true);
        client = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100));
        client.start();
        client.blockUntilConnected();
    }

    @AfterAll
    static void stopServer() throws Exception {
        client.close();
        server.close();
    }

    @Override
    protected LockManager newManager() {
        return ZooKeeperLockManager.create(client, "/contract-" + QUEUES.incrementAndGet());
    }

    @Override
    protected void closeManager(LockManager manager) {
        ((ZooKeeperLockManager) manager).close();
    }

    @Override
    protected boolean grantsAreAsynchronous() {
        return true;
    }

    @Override
    protected int modelSeeds() {
        return 12;
    }

    @Override
    protected int scaled(int count) {
        return Math.max(10, count / 20);
    }
}
