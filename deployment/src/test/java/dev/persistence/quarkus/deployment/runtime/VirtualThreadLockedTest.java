package dev.persistence.quarkus.deployment.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.persistence.Locked;
import io.quarkus.test.QuarkusUnitTest;
import jdk.jfr.consumer.RecordingStream;

/**
 * A synchronous {@code @Locked} method called from virtual threads, on Java 21+ (the
 * {@code virtual-threads} surefire execution runs this class on Temurin 25): 50 concurrent
 * read-modify-writes on one path, each on a virtual thread, none lost, and no
 * {@code jdk.VirtualThreadPinned} event while they wait for each other. Quarkus's
 * {@code @RunOnVirtualThread} dispatches to exactly such threads; it needs an application compiled
 * for Java 21, which the library (baseline 17) is not, so the test starts the threads itself.
 */
@EnabledForJreRange(min = JRE.JAVA_21)
class VirtualThreadLockedTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Counter.class));

    @Inject
    Counter counter;

    @ApplicationScoped
    public static class Counter {
        private final Map<String, Integer> values = new ConcurrentHashMap<>();

        /** Not atomic on purpose: read, wait, write — only the lock makes it correct. */
        @Locked(path = "/virtual/{id}")
        public String increment(String id) throws InterruptedException {
            int read = values.getOrDefault(id, 0);
            Thread.sleep(2);
            values.put(id, read + 1);
            return (read + 1) + (Thread.currentThread().toString().startsWith("VirtualThread") ? " virtual" : " platform");
        }
    }

    @Test
    void fiftyConcurrentIncrementsOnVirtualThreadsLoseNothingAndPinNoCarrier() throws Exception {
        AtomicInteger pinned = new AtomicInteger();
        // Executors.newVirtualThreadPerTaskExecutor() is Java 21 API; this class compiles for 17.
        ExecutorService virtualThreads = (ExecutorService) Executors.class
                .getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        // A first, unrecorded round loads and initialises every class on the path: class loading
        // pins (QuarkusClassLoader is synchronized), lock waits must not.
        List<Future<String>> warmUp = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            warmUp.add(virtualThreads.submit(() -> counter.increment("warm-up")));
        }
        for (Future<String> call : warmUp) {
            call.get(60, TimeUnit.SECONDS);
        }
        try (RecordingStream events = new RecordingStream()) {
            events.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
            events.onEvent("jdk.VirtualThreadPinned", event -> {
                pinned.incrementAndGet();
                System.out.println("pinned: " + event);
            });
            events.startAsync();
            List<Future<String>> calls = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                calls.add(virtualThreads.submit(() -> counter.increment("a")));
            }
            Set<Integer> values = new TreeSet<>();
            for (Future<String> call : calls) {
                String result = call.get(60, TimeUnit.SECONDS);
                assertTrue(result.endsWith(" virtual"), "not on a virtual thread: " + result);
                values.add(Integer.parseInt(result.split(" ")[0]));
            }
            assertEquals(50, values.size(), "two increments read the same value: " + values);
            assertEquals(50, values.stream().mapToInt(Integer::intValue).max().orElseThrow());
            Thread.sleep(500); // let the stream deliver what was recorded
        } finally {
            virtualThreads.shutdown();
        }
        System.out.println("50/50 increments on virtual threads, pinned events: " + pinned.get());
        assertEquals(0, pinned.get(), "a virtual thread pinned its carrier while waiting for a lock");
    }
}
