package dev.persistence.quarkus.metrics;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.quarkus.observe.LockObserver;
import dev.persistence.quarkus.observe.Uninstrumented;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;

/**
 * The lock meters in Micrometer; never tagged by path, so the number of series is fixed whatever the paths.
 * <ul>
 * <li>{@code persistence.lock.wait} (timer, tags {@code mode}, {@code outcome}): each acquisition, from the call
 * to its end; outcome {@code granted}, {@code timeout}, {@code interrupted}, {@code cancelled}, {@code lost} or
 * {@code refused} ({@link LockObserver.Outcome}).</li>
 * <li>{@code persistence.lock.hold} (timer, tags {@code mode}, {@code outcome}): each granted lock, from the
 * grant to {@code close()}; outcome {@code released}, or {@code lost} when it was no longer held at close.</li>
 * <li>{@code persistence.lock.queued}, {@code persistence.lock.active} (tag {@code mode}) and
 * {@code persistence.lock.oldest.wait} (gauges): the manager's {@code LockStats} when scraped.</li>
 * </ul>
 */
@Singleton
public class MicrometerLockObserver implements LockObserver {

    private final Timer[][] waits = new Timer[LockMode.values().length][Outcome.values().length];
    private final Timer[] released = new Timer[LockMode.values().length];
    private final Timer[] lost = new Timer[LockMode.values().length];

    /** Registers every meter in {@code registry} now; the gauges read {@code manager}. */
    @Inject
    public MicrometerLockObserver(MeterRegistry registry, @Uninstrumented LockManager manager) {
        for (LockMode mode : LockMode.values()) {
            String tag = tag(mode);
            for (Outcome outcome : Outcome.values()) {
                waits[mode.ordinal()][outcome.ordinal()] = Timer.builder("persistence.lock.wait")
                        .description("Lock acquisitions, from the call to the grant or failure")
                        .tag("mode", tag).tag("outcome", tag(outcome)).register(registry);
            }
            released[mode.ordinal()] = holdTimer(registry, tag, "released");
            lost[mode.ordinal()] = holdTimer(registry, tag, "lost");
            Gauge.builder("persistence.lock.active", manager,
                    m -> mode == LockMode.READ ? m.stats().activeReaders() : m.stats().activeWriters())
                    .description("Locks held now").tag("mode", tag).register(registry);
        }
        Gauge.builder("persistence.lock.queued", manager, m -> m.stats().queued())
                .description("Lock requests waiting now").register(registry);
        TimeGauge.builder("persistence.lock.oldest.wait", manager, TimeUnit.NANOSECONDS,
                m -> m.stats().oldestWait().toNanos())
                .description("How long the oldest waiting request has waited").register(registry);
    }

    private static Timer holdTimer(MeterRegistry registry, String mode, String outcome) {
        return Timer.builder("persistence.lock.hold").description("Locks held, from the grant to the release")
                .tag("mode", mode).tag("outcome", outcome).register(registry);
    }

    private static String tag(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public void waited(Object request, LockMode mode, Outcome outcome, long waitNanos) {
        waits[mode.ordinal()][outcome.ordinal()].record(waitNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void held(Object request, LockMode mode, boolean wasLost, long holdNanos) {
        (wasLost ? lost : released)[mode.ordinal()].record(holdNanos, TimeUnit.NANOSECONDS);
    }
}
