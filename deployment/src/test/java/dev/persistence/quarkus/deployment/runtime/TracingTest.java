package dev.persistence.quarkus.deployment.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.LockTimeoutException;
import dev.persistence.PathLock;
import dev.persistence.testsupport.Await;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.maven.dependency.Dependency;
import io.quarkus.test.QuarkusUnitTest;

/**
 * With quarkus-opentelemetry: every acquisition is a span event on the current span; a wait over the threshold and
 * a timeout are child spans of their own (the timeout with status ERROR); a fast grant is not.
 */
class TracingTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(InMemorySpans.class))
            .setForcedDependencies(List.of(Dependency.of("io.quarkus", "quarkus-opentelemetry",
                    System.getProperty("quarkus.version"))))
            .overrideConfigKey("quarkus.persistence.tracing.wait-threshold", "1s")
            .overrideConfigKey("quarkus.otel.bsp.schedule.delay", "50ms");

    @Inject
    Tracer tracer;

    @Inject
    InMemorySpanExporter exporter;

    @Inject
    LockManager manager;

    @Test
    void acquisitionsAreEventsAndSlowOrFailedWaitsAreChildSpans() throws Exception {
        Span request = tracer.spanBuilder("request").startSpan();
        try (Scope scope = request.makeCurrent()) {
            manager.acquire(Path.of("/fast"), LockMode.READ).close(); // far below 1 s

            PathLock slow = manager.acquireAsync(Path.of("/slow"), LockMode.WRITE).join();
            CompletableFuture.delayedExecutor(1500, TimeUnit.MILLISECONDS).execute(slow::close);
            manager.acquire(Path.of("/slow/x"), LockMode.READ).close(); // waits 1.5 s

            try (PathLock held = manager.acquireAsync(Path.of("/busy"), LockMode.WRITE).join()) {
                assertThrows(LockTimeoutException.class,
                        () -> manager.acquire(Path.of("/busy/x"), LockMode.WRITE, Duration.ofMillis(50)));
            }
        } finally {
            request.end();
        }

        List<SpanData> spans = awaitSpans(3);
        SpanData parent = spans.stream().filter(s -> s.getName().equals("request")).findFirst().orElseThrow();
        // The async acquisitions (/slow, /busy) were asked inside the request too: five acquisitions in all.
        assertEquals(List.of("persistence.lock.acquired", "persistence.lock.acquired", "persistence.lock.acquired",
                "persistence.lock.acquired", "persistence.lock.failed"),
                parent.getEvents().stream().map(EventData::getName).toList());
        List<SpanData> waits = spans.stream().filter(s -> s.getName().equals("persistence.lock.wait")).toList();
        assertEquals(2, waits.size(), spans.toString());
        for (SpanData wait : waits) {
            assertEquals(parent.getSpanContext().getSpanId(), wait.getParentSpanId());
        }
        SpanData slowWait = waits.stream().filter(w -> w.getStatus().getStatusCode() != StatusCode.ERROR)
                .findFirst().orElseThrow();
        assertEquals("granted", slowWait.getAttributes().get(AttributeKey.stringKey("persistence.lock.outcome")));
        assertTrue(slowWait.getEndEpochNanos() - slowWait.getStartEpochNanos() >= TimeUnit.MILLISECONDS.toNanos(1000));
        SpanData timeout = waits.stream().filter(w -> w.getStatus().getStatusCode() == StatusCode.ERROR)
                .findFirst().orElseThrow();
        assertEquals("timeout", timeout.getAttributes().get(AttributeKey.stringKey("persistence.lock.outcome")));
        assertEquals("write", timeout.getAttributes().get(AttributeKey.stringKey("persistence.lock.mode")));
    }

    private List<SpanData> awaitSpans(int count) throws InterruptedException {
        Await.holdsWithin(() -> exporter.getFinishedSpanItems().size() >= count, Duration.ofSeconds(30));
        Thread.sleep(200); // late stragglers would show up as extra spans
        return exporter.getFinishedSpanItems();
    }
}
