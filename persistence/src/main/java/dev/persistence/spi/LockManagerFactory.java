package dev.persistence.spi;

import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Function;

import dev.persistence.LockManager;

/**
 * Creates a {@link LockManager} chosen by name, for integrations that select the manager by
 * configuration ({@code persistence.lock-manager}). Implementations outside this library — such
 * as the ZooKeeper manager — register themselves with {@link ServiceLoader} under
 * {@code META-INF/services/dev.persistence.spi.LockManagerFactory}, so that an application has their
 * dependencies only when it adds their artifact.
 */
public interface LockManagerFactory {

    /** The name that selects this factory, e.g. {@code zookeeper}. */
    String name();

    /**
     * Creates a manager from configuration values looked up by key (e.g.
     * {@code persistence.zookeeper.connect}). A manager that is also {@link AutoCloseable} is
     * closed by the integration when the application stops.
     *
     * @throws IllegalArgumentException naming the key and the value when the configuration is wrong
     */
    LockManager create(Function<String, Optional<String>> config);

    /** The factory registered under {@code name}, if its artifact is on the class path. */
    static Optional<LockManagerFactory> named(String name, ClassLoader loader) {
        for (LockManagerFactory factory : ServiceLoader.load(LockManagerFactory.class, loader)) {
            if (factory.name().equals(name)) {
                return Optional.of(factory);
            }
        }
        return Optional.empty();
    }
}
