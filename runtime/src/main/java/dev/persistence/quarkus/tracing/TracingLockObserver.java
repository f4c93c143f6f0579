package dev.persistence.quarkus.tracing;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.Config;

import dev.persistence.LockMode;
import dev.persistence.cdi.PersistenceSettings;
import dev.persistence.quarkus.PersistenceRuntimeConfig;
import dev.persistence.quarkus.observe.LockObserver;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

/**
 * Lock waits in OpenTelemetry traces, inside the span current when the lock was asked for (none: nothing):
 * <ul>
 * <li>a span event {@code persistence.lock.acquired} (or {@code persistence.lock.failed}) on that span for every
 * acquisition, with {@code persistence.lock.mode}, {@code persistence.lock.outcome} and
 * {@code persistence.lock.wait_ms};</li>
 * <li>a child span {@code persistence.lock.wait} covering the wait only when it took at least
 * {@code quarkus.persistence.tracing.wait-threshold} or did not end in a grant (status ERROR for a timeout,
 * an interruption, a lost session or a refusal);</li>
 * <li>a child span {@code persistence.lock.lost} (status ERROR) when a lock was no longer held at release.</li>
 * </ul>
 * No path is recorded: paths may carry user data.
 */
@Singleton
public class TracingLockObserver implements LockObserver {

    private static final AttributeKey<String> MODE = AttributeKey.stringKey("persistence.lock.mode");
    private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("persistence.lock.outcome");
    private static final AttributeKey<Long> WAIT_MS = AttributeKey.longKey("persistence.lock.wait_ms");
    private static final AttributeKey<Long> HELD_MS = AttributeKey.longKey("persistence.lock.held_ms");

    private static final String WAIT_THRESHOLD = "quarkus.persistence.tracing.wait-threshold";
    /** The default of {@code quarkus.persistence.tracing.wait-threshold}, for the mapping and for this reader. */
    public static final String DEFAULT_WAIT_THRESHOLD = "100ms";

    private final Tracer tracer;
    private final long thresholdNanos;

    /**
     * Reads {@code quarkus.persistence.tracing.wait-threshold} (documented by {@link PersistenceRuntimeConfig})
     * through MicroProfile Config, not through the mapping: the portable library creates the lock manager, and so
     * this observer, while ArC starts (static init), before run-time mappings and their defaults exist.
     */
    @Inject
    public TracingLockObserver(Tracer tracer, Config config) {
        this(tracer, PersistenceSettings.parseDuration(
                config.getOptionalValue(WAIT_THRESHOLD, String.class).orElse(DEFAULT_WAIT_THRESHOLD)));
    }

    /** Child spans for waits of at least {@code threshold}, and for every failed acquisition. */
    public TracingLockObserver(Tracer tracer, Duration threshold) {
        this.tracer = tracer;
        this.thresholdNanos = threshold.toNanos();
    }

    /** The caller's context: an asynchronous grant is reported in the thread of the release that granted it. */
    @Override
    public Object requested(LockMode mode) {
        Context context = Context.current();
        return Span.fromContext(context).getSpanContext().isValid() ? context : null;
    }

    @Override
    public void waited(Object request, LockMode mode, Outcome outcome, long waitNanos) {
        if (request == null) {
            return;
        }
        Context parent = (Context) request;
        String name = name(outcome);
        Attributes attributes = Attributes.of(MODE, name(mode), OUTCOME, name, WAIT_MS, waitNanos / 1_000_000);
        Span.fromContext(parent).addEvent(outcome == Outcome.GRANTED ? "persistence.lock.acquired"
                : "persistence.lock.failed", attributes);
        boolean failed = outcome != Outcome.GRANTED && outcome != Outcome.CANCELLED;
        if (failed || (outcome == Outcome.GRANTED && waitNanos >= thresholdNanos)) {
            Instant end = Instant.now();
            Span span = tracer.spanBuilder("persistence.lock.wait").setParent(parent)
                    .setStartTimestamp(end.minusNanos(waitNanos)).setAllAttributes(attributes).startSpan();
            if (failed) {
                span.setStatus(StatusCode.ERROR, "lock " + name);
            }
            span.end(end);
        }
    }

    @Override
    public void held(Object request, LockMode mode, boolean lost, long holdNanos) {
        if (request == null || !lost) {
            return;
        }
        Instant end = Instant.now();
        tracer.spanBuilder("persistence.lock.lost").setParent((Context) request)
                .setStartTimestamp(end.minusNanos(holdNanos))
                .setAllAttributes(Attributes.of(MODE, name(mode), HELD_MS, holdNanos / 1_000_000)).startSpan()
                .setStatus(StatusCode.ERROR, "lock lost while held").end(end);
    }

    private static String name(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
