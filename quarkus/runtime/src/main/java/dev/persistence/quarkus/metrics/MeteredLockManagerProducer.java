package dev.persistence.quarkus.metrics;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.persistence.LockManager;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The application's {@code LockManager} with Micrometer present: the portable one ({@link Unmetered}) inside a
 * {@link MeteredLockManager}. Registered by the deployment module only then; the portable producer's disposer
 * still closes the portable manager.
 */
@Singleton
public class MeteredLockManagerProducer {

    @Produces
    @ApplicationScoped
    LockManager lockManager(@Unmetered LockManager portable, MeterRegistry registry) {
        return new MeteredLockManager(portable, registry);
    }
}
