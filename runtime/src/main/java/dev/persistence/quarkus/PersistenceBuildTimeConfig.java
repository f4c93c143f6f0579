package dev.persistence.quarkus;

import io.quarkus.runtime.annotations.ConfigPhase;
import io.quarkus.runtime.annotations.ConfigRoot;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The build-time switches of the persistence extension, under {@code quarkus.persistence}: each integration
 * is on when its Quarkus extension is present, unless switched off here. Changing one needs a rebuild
 * (dev mode rebuilds on its own).
 */
@ConfigMapping(prefix = "quarkus.persistence")
@ConfigRoot(phase = ConfigPhase.BUILD_TIME)
public interface PersistenceBuildTimeConfig {

    /** The readiness check. */
    Health health();

    /** Micrometer meters. */
    Metrics metrics();

    /** OpenTelemetry spans. */
    Tracing tracing();

    /** Exception mapping for Quarkus REST. */
    Rest rest();

    /** The {@code @Locked} interceptor. */
    Locked locked();

    /** The {@code @Locked} interceptor. */
    interface Locked {
        /**
         * The interceptor's priority; lower runs outside. The default, {@code 1000}
         * ({@code Interceptor.Priority.LIBRARY_BEFORE}), runs inside {@code @Transactional} (200) and
         * outside Fault Tolerance (4010); {@code 100} takes the lock before a transaction begins and
         * releases it after the transaction ends.
         */
        @WithDefault("1000")
        int priority();
    }

    /** The readiness check. */
    interface Health {
        /** Whether the {@code persistence} readiness check is registered when SmallRye Health is present. */
        @WithDefault("true")
        boolean enabled();
    }

    /** Micrometer meters. */
    interface Metrics {
        /** Whether lock and file meters are registered when Micrometer is present. */
        @WithDefault("true")
        boolean enabled();
    }

    /** OpenTelemetry spans. */
    interface Tracing {
        /**
         * Whether lock waits appear in traces (span events, child spans for long or failed waits and lost locks)
         * when OpenTelemetry tracing is present.
         */
        @WithDefault("true")
        boolean enabled();
    }

    /** Exception mapping for Quarkus REST. */
    interface Rest {
        /**
         * Whether lock failures become HTTP answers when Quarkus REST is present: {@code LockTimeoutException}
         * 503 with {@code Retry-After}, {@code LockLostException} 503, {@code LockedPathValueException} (a
         * {@code @Locked} argument that is not one path segment) 400. An application's own mapper for the same
         * exception takes precedence.
         */
        @WithDefault("true")
        boolean enabled();
    }
}
