package dev.persistence.cdi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.logging.Logger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.Config;

import dev.persistence.LockManager;
import dev.persistence.PersistenceClient;

/*
 * The CDI glue's beans: the application's one LockManager, the PersistenceClient built from
 * configuration, the validated settings, and the startup check (bad configuration fails the
 * deployment; persistence.recover-on-start cleans the root). Applications replace the manager or
 * the client with an @Alternative @Priority bean or a producer of their own.
 */

/** Produces the {@link LockManager} and {@link PersistenceClient} beans from configuration. */
@Dependent
public class PersistenceProducers {

    private static final Logger LOG = Logger.getLogger(PersistenceProducers.class.getName());

    /** The validated {@code persistence.*} configuration. */
    @Produces
    @Singleton
    PersistenceSettings settings(Config config) {
        return PersistenceSettings.read(config);
    }

    /** The application's lock manager: every {@code @Locked} method and the client share it. */
    @Produces
    @ApplicationScoped
    LockManager lockManager() {
        return LockManager.create();
    }

    /**
     * The client. {@code PersistenceClient} is a final class, which portable CDI cannot proxy,
     * so the bean is a {@code @Singleton}: one instance for the application's lifetime, like an
     * application-scoped bean, injected without a proxy.
     */
    @Produces
    @Singleton
    PersistenceClient persistenceClient(LockManager manager, PersistenceSettings settings) {
        PersistenceClient.Builder builder = PersistenceClient.builder(manager)
                .durable(settings.durable())
                .root(settings.root().orElse(null))
                .lockTimeout(settings.lockTimeout().orElse(null));
        try {
            builder.tempSuffix(settings.tempSuffix());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid value '" + settings.tempSuffix() + "' for "
                    + PersistenceSettings.TEMP_SUFFIX + ": " + e.getMessage(), e);
        }
        return builder.build();
    }

    /** Validates the configuration at startup and, when asked, recovers the root. */
    void onStart(@Observes @Initialized(ApplicationScoped.class) Object started,
                 PersistenceSettings settings, PersistenceClient client) {
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
