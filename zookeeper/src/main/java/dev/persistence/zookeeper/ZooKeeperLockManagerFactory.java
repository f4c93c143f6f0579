package dev.persistence.zookeeper;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

import dev.persistence.LockManager;
import dev.persistence.cdi.PersistenceSettings;
import dev.persistence.spi.LockManagerFactory;

/**
 * Selected by {@code persistence.lock-manager=zookeeper}: a {@link ZooKeeperLockManager} on
 * {@code persistence.zookeeper.connect} (required), with {@code persistence.zookeeper.session-timeout}
 * (default 30s) and its queue under {@code /<persistence.zookeeper.namespace>} (default {@code persistence}).
 */
public final class ZooKeeperLockManagerFactory implements LockManagerFactory {

    @Override
    public String name() {
        return "zookeeper";
    }

    @Override
    public LockManager create(Function<String, Optional<String>> config) {
        String connect = config.apply(PersistenceSettings.ZOOKEEPER_CONNECT).orElseThrow(() -> new IllegalArgumentException(
                PersistenceSettings.LOCK_MANAGER + "=zookeeper needs " + PersistenceSettings.ZOOKEEPER_CONNECT
                        + " (host:port[,host:port...])"));
        Duration sessionTimeout = config.apply(PersistenceSettings.ZOOKEEPER_SESSION_TIMEOUT).map(value -> {
            try {
                return PersistenceSettings.parseDuration(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Invalid value '" + value + "' for "
                        + PersistenceSettings.ZOOKEEPER_SESSION_TIMEOUT + ": " + e.getMessage(), e);
            }
        }).orElse(Duration.ofSeconds(30));
        String namespace = config.apply(PersistenceSettings.ZOOKEEPER_NAMESPACE).orElse("persistence");
        if (namespace.isEmpty() || namespace.contains("/")) {
            throw new IllegalArgumentException("Invalid value '" + namespace + "' for "
                    + PersistenceSettings.ZOOKEEPER_NAMESPACE + ": one znode name, without '/'");
        }
        return ZooKeeperLockManager.create(connect, sessionTimeout, "/" + namespace);
    }
}
