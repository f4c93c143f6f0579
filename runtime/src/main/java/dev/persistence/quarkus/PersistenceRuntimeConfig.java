package dev.persistence.quarkus;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import dev.persistence.Durability;
import dev.persistence.quarkus.config.SettingsConverters;
import dev.persistence.quarkus.tracing.TracingLockObserver;
import io.quarkus.runtime.annotations.ConfigDocSection;
import io.quarkus.runtime.annotations.ConfigPhase;
import io.quarkus.runtime.annotations.ConfigRoot;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;

/**
 * The run-time configuration of the persistence extension, under {@code quarkus.persistence}.
 * <p>
 * Each key also answers to its portable name without the {@code quarkus.} prefix ({@code persistence.root},
 * the name Payara and any other CDI container read); when both are set, the one from the source with the
 * higher ordinal wins, and at equal ordinals the {@code quarkus.persistence} one. Values are checked with the
 * same rules as the portable {@code dev.persistence.cdi.PersistenceSettings}, so every bad value, under
 * either name, is reported in one start-up failure.
 */
@ConfigMapping(prefix = "quarkus.persistence")
@ConfigRoot(phase = ConfigPhase.RUN_TIME)
public interface PersistenceRuntimeConfig {

    /**
     * What survives a power loss: {@code no-sync} fsyncs nothing (files may be torn or empty); {@code atomic} fsyncs
     * the temp file's data before the rename (every file holds a complete content, recent operations may be undone);
     * {@code durable} also fsyncs directories, so every acknowledged write, delete and move survives. Unset:
     * {@code durable} when {@code durable=true}, otherwise {@code atomic}.
     */
    Optional<Durability> durability();

    /** Shorthand: {@code true} means {@code durability=durable} (and contradicts any other value of it). */
    @WithDefault("false")
    @WithConverter(SettingsConverters.StrictBoolean.class)
    boolean durable();

    /** The suffix of temporary files ({@code .<name>.<random>.persistence.<suffix>}), found again by recovery. */
    @WithDefault("tmp")
    String tempSuffix();

    /**
     * The directory the client may touch: an absolute path. Paths outside it are refused and symbolic links
     * out of it are not followed. A missing root is created on the first write, with its missing parents. Unset,
     * the client accepts any path.
     */
    Optional<@WithConverter(SettingsConverters.Root.class) Path> root();

    /**
     * The permissions of every file the client writes, new or replaced, as an octal mode such as {@code 0640} or
     * {@code 0600}: set exactly (the umask does not narrow them) from the temporary file's creation on, and the
     * target is not looked up before a write, which makes creating files cheaper. Unset, a replaced file keeps its
     * permissions and a new file gets the default mode of a new file.
     */
    Optional<@WithConverter(SettingsConverters.FileMode.class) String> fileMode();

    /**
     * How long a lock may be waited for before {@code LockTimeoutException}. Unset, waits are unbounded.
     */
    Optional<@WithConverter(SettingsConverters.NonNegativeDuration.class) Duration> lockTimeout();

    /**
     * Whether the root is recovered at start-up: orphaned temporary files of interrupted writes are removed, and
     * batches interrupted after their commit point are completed.
     */
    @WithDefault("false")
    @WithConverter(SettingsConverters.StrictBoolean.class)
    boolean recoverOnStart();

    /**
     * The lock manager: {@code local} (this JVM) or the name of a {@code LockManagerFactory} on the class path,
     * e.g. {@code zookeeper} with {@code dev.persistence:persistence-zookeeper}.
     */
    @WithDefault("local")
    String lockManager();

    /** The readiness check. */
    @ConfigDocSection
    Health health();

    /** The ZooKeeper lock manager ({@code lock-manager=zookeeper}). */
    @ConfigDocSection
    ZooKeeper zookeeper();

    /** HTTP answers to lock failures, when Quarkus REST is present. */
    @ConfigDocSection
    Rest rest();

    /** Lock waits in OpenTelemetry traces, when OpenTelemetry tracing is present. */
    @ConfigDocSection
    Tracing tracing();

    /** The readiness check. */
    interface Health {
        /** The readiness check is DOWN while more requests than this wait for a lock. */
        @WithDefault("1000")
        @WithConverter(SettingsConverters.Count.class)
        int maxQueued();

        /** The readiness check is DOWN while the oldest waiting request has waited longer than this. */
        @WithDefault("30s")
        @WithConverter(SettingsConverters.NonNegativeDuration.class)
        Duration maxWait();
    }

    /** The ZooKeeper lock manager. */
    interface ZooKeeper {
        /** The ensemble, {@code host:port[,host:port...]}; required with {@code lock-manager=zookeeper}. */
        Optional<String> connect();

        /** The session timeout: a lost session fails every lock it held (default 30 seconds). */
        Optional<@WithConverter(SettingsConverters.NonNegativeDuration.class) Duration> sessionTimeout();

        /** The znode under which the locks live, one name without {@code /} (default {@code persistence}). */
        Optional<String> namespace();
    }

    /** Lock waits in OpenTelemetry traces. */
    interface Tracing {
        /**
         * A granted lock wait gets a child span of its own from this long on (every acquisition gets a span event;
         * a timeout, an interruption or a lost lock always gets a span).
         */
        @WithDefault(TracingLockObserver.DEFAULT_WAIT_THRESHOLD)
        @WithConverter(SettingsConverters.NonNegativeDuration.class)
        Duration waitThreshold();
    }

    /** HTTP answers to lock failures. */
    interface Rest {
        /** The {@code Retry-After} of the 503 answer to a lock timeout, rounded up to whole seconds. */
        @WithDefault("1s")
        @WithConverter(SettingsConverters.NonNegativeDuration.class)
        Duration retryAfter();
    }
}
