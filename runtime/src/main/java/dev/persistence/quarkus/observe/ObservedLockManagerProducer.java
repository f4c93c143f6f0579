package dev.persistence.quarkus.observe;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.persistence.LockManager;

/**
 * The application's {@code LockManager} with Micrometer or OpenTelemetry tracing present: the portable one
 * ({@link Uninstrumented}) inside an {@link ObservedLockManager} told by every {@link LockObserver} bean. Registered
 * by the deployment module only then; the portable producer's disposer still closes the portable manager.
 */
@Singleton
public class ObservedLockManagerProducer {

    @Produces
    @ApplicationScoped
    LockManager lockManager(@Uninstrumented LockManager portable, Instance<LockObserver> observers) {
        return new ObservedLockManager(portable, observers.stream().toList());
    }
}
