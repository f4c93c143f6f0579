package dev.persistence.it;

import java.util.Map;

import org.apache.curator.test.TestingServer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** An in-JVM ZooKeeper on loopback for the demo's shared-lock-manager test. */
public class ZooKeeperServer implements QuarkusTestResourceLifecycleManager {

    private TestingServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = new TestingServer(true);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot start the ZooKeeper test server", e);
        }
        return Map.of("persistence.lock-manager", "zookeeper",
                "persistence.zookeeper.connect", server.getConnectString(),
                "persistence.zookeeper.namespace", "demo");
    }

    @Override
    public void stop() {
        try {
            server.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
