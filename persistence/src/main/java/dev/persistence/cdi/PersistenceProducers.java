package dev.persistence.cdi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.logging.Logger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.Config;

import dev.persistence.LockManager;
import dev.persistence.PersistenceClient;
import dev.persistence.spi.LockManagerFactory;

/** Produces the {@link LockManager} and {@link PersistenceClient} beans from configuration. */
@Dependent
public class PersistenceProducers {

    /*
     * The CDI glue's beans: the application's one LockManager, the PersistenceClient built from
     * configuration, the validated settings, and the startup check (bad configuration fails the
     * deployment; persistence.recover-on-start cleans the root). Applications replace the manager or
     * the client with an @Alternative @Priority bean or a producer of their own.
     */

    private static final Logger LOG = Logger.getLogger(PersistenceProducers.class.getName());

    /** The validated {@code persistence.*} configuration. */
    @Produces
    @Singleton
    PersistenceSettings settings(Config config) {
        return PersistenceSettings.read(config);
    }

    /**
     * The application's lock manager: every {@code @Locked} method and the client share it. The
     * in-process one unless {@code persistence.lock-manager} names a {@link LockManagerFactory}
     * whose artifact is on the class path (e.g. {@code zookeeper}).
     */
    @Produces
    @ApplicationScoped
    LockManager lockManager(PersistenceSettings settings, Config config) {
        String name = settings.lockManager();
        if (name.equals("local")) {
            return LockManager.create();
        }
        LockManagerFactory factory = LockManagerFactory.named(name, Thread.currentThread().getContextClassLoader())
                .orElseThrow(() -> new IllegalArgumentException("Invalid value '" + name + "' for "
                        + PersistenceSettings.LOCK_MANAGER + ": no such lock manager on the class path"
                        + (name.equals("zookeeper") ? " (add dev.persistence:persistence-zookeeper)" : "")));
        return factory.create(key -> config.getOptionalValue(key, String.class));
    }

    /** Ends a manager's session with its coordinator, if it has one. */
    void closeLockManager(@Disposes LockManager manager) throws Exception {
        if (manager instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    /**
     * The client. {@code PersistenceClient} is a final class, which portable CDI cannot proxy,
     * so the bean is a {@code @Singleton}: one instance for the application's lifetime, like an
     * application-scoped bean, injected without a proxy.
     */
    @Produces
    @Singleton
    PersistenceClient persistenceClient(LockManager manager, PersistenceSettings settings,
            @Any Instance<PersistenceClient.Listener> listeners) {
        PersistenceClient.Builder builder = PersistenceClient.builder(manager)
                .durability(settings.durability())
                .root(settings.root().orElse(null))
                .lockTimeout(settings.lockTimeout().orElse(null))
                .filePermissions(settings.fileMode().orElse(null));
        try {
            builder.tempSuffix(settings.tempSuffix());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid value '" + settings.tempSuffix() + "' for "
                    + PersistenceSettings.TEMP_SUFFIX + ": " + e.getMessage(), e);
        }
        if (listeners.isResolvable()) {
            builder.listener(listeners.get()); // e.g. the Quarkus extension's Micrometer meters
        }
        return builder.build();
    }

    /** Validates the configuration at startup and, when asked, recovers the root. */
    void onStart(@Observes @Initialized(ApplicationScoped.class) Object started,
            PersistenceSettings settings, PersistenceClient client) {
        client.lockManager().stats(); // creates the manager now: a wrong lock-manager setting fails startup
        if (settings.recoverOnStart() && settings.root().isPresent()) {
            Path root = settings.root().get();
            try {
                int removed = client.recover(root);
                LOG.info(() -> "persistence: recovered " + root + ", removed " + removed + " orphaned temp file(s)");
            } catch (IOException e) {
                throw new UncheckedIOException("persistence: recovering " + root + " failed", e);
            }
        }
    }
}
