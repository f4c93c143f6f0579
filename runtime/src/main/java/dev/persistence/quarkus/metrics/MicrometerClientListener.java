package dev.persistence.quarkus.metrics;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.persistence.Durability;
import dev.persistence.PersistenceClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The client's storage meters in Micrometer; never tagged by path.
 * <ul>
 * <li>{@code persistence.write} (timer, tag {@code durability}): each write that replaced its target.</li>
 * <li>{@code persistence.fsync.file} (timer): each temp file's {@code fdatasync}/{@code fsync}.</li>
 * <li>{@code persistence.fsync.directory} (timer) and {@code persistence.fsync.batch} (summary of the
 * directories one group-committed fsync acknowledged).</li>
 * <li>{@code persistence.recovered} (counter): orphaned temp files deleted by {@code recover}.</li>
 * </ul>
 */
@Singleton
public class MicrometerClientListener implements PersistenceClient.Listener {

    private final Timer[] writes = new Timer[Durability.values().length];
    private final Timer fileSyncs;
    private final Timer directorySyncs;
    private final DistributionSummary batches;
    private final Counter recovered;

    /** Registers every meter in {@code registry} now. */
    @Inject
    public MicrometerClientListener(MeterRegistry registry) {
        for (Durability durability : Durability.values()) {
            writes[durability.ordinal()] = Timer.builder("persistence.write")
                    .description("Writes that replaced their target, from the call to the acknowledgement")
                    .tag("durability", durability.name().toLowerCase(Locale.ROOT).replace('_', '-')).register(registry);
        }
        fileSyncs = Timer.builder("persistence.fsync.file").description("Temp file data made durable").register(registry);
        directorySyncs = Timer.builder("persistence.fsync.directory")
                .description("Group-committed directory fsyncs").register(registry);
        batches = DistributionSummary.builder("persistence.fsync.batch")
                .description("Directories acknowledged by one group-committed fsync").register(registry);
        recovered = Counter.builder("persistence.recovered").description("Orphaned temp files deleted by recover")
                .register(registry);
    }

    @Override
    public void written(Durability durability, long nanos) {
        writes[durability.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void fileSynced(long nanos) {
        fileSyncs.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void directoriesSynced(int directories, long nanos) {
        directorySyncs.record(nanos, TimeUnit.NANOSECONDS);
        batches.record(directories);
    }

    @Override
    public void recovered(int removed) {
        recovered.increment(removed);
    }
}
