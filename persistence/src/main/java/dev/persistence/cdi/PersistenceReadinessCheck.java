package dev.persistence.cdi;

import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import dev.persistence.LockManager;
import dev.persistence.LockStats;

/**
 * The {@code persistence} readiness check: DOWN when more than {@code persistence.health.max-queued}
 * requests wait for a lock, the oldest has waited longer than {@code persistence.health.max-wait},
 * or a shared lock manager has lost its coordinator (ZooKeeper). Reports {@code queued},
 * {@code active-readers}, {@code active-writers}, {@code oldest-wait-ms}, {@code lock-manager}
 * and {@code connected}.
 */
@Readiness
@ApplicationScoped
public class PersistenceReadinessCheck implements HealthCheck {

    @Inject
    LockManager manager;

    @Inject
    PersistenceSettings settings;

    @Override
    public HealthCheckResponse call() {
        LockStats stats = manager.stats();
        boolean available = manager.isAvailable();
        boolean up = available && stats.queued() <= settings.healthMaxQueued()
                && stats.oldestWait().compareTo(settings.healthMaxWait()) <= 0;
        Map<String, Object> data = Map.of(
                "queued", (long) stats.queued(),
                "active-readers", (long) stats.activeReaders(),
                "active-writers", (long) stats.activeWriters(),
                "oldest-wait-ms", stats.oldestWait().toMillis(),
                "lock-manager", settings.lockManager(),
                "connected", available);
        // The public constructor needs no HealthCheckResponseProvider on the classpath.
        return new HealthCheckResponse("persistence", up ? HealthCheckResponse.Status.UP : HealthCheckResponse.Status.DOWN,
                Optional.of(data));
    }
}
