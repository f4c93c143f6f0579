package dev.persistence.quarkus.deployment.runtime;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.persistence.DeleteOption;
import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.LockTimeoutException;
import dev.persistence.PathLock;
import dev.persistence.PersistenceClient;
import dev.persistence.testsupport.Await;
import io.quarkus.maven.dependency.Dependency;
import io.quarkus.test.QuarkusUnitTest;

/**
 * With quarkus-micrometer-registry-prometheus: the lock meters move under real contention, scraped from
 * {@code /q/metrics} as an operator would, and no series carries a path.
 */
class MetricsTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(LockedService.class))
            .setForcedDependencies(List.of(Dependency.of("io.quarkus", "quarkus-micrometer-registry-prometheus",
                    System.getProperty("quarkus.version"))))
            .overrideConfigKey("quarkus.persistence.lock-timeout", "300ms");

    @Inject
    LockManager manager;

    @Inject
    PersistenceClient client;

    @Inject
    LockedService service;

    @Test
    void waitHoldAndQueueMetersMoveUnderContention() throws Exception {
        assertTrue(client.lockManager().toString().startsWith("Observed"), client.lockManager().toString());
        String before = scrape();
        double grantedBefore = value(before, "persistence_lock_wait_seconds_count", "mode=\"write\",outcome=\"granted\"");
        double timeoutsBefore = value(before, "persistence_lock_wait_seconds_count", "mode=\"write\",outcome=\"timeout\"");

        ExecutorService threads = Executors.newFixedThreadPool(6);
        try {
            String during;
            List<CompletableFuture<PathLock>> queued = new ArrayList<>();
            try (PathLock held = manager.acquire(Path.of("/accounts"), LockMode.WRITE)) {
                // Requests without a deadline fill the queue: they wait until the test lets go, however slow the machine.
                for (int i = 0; i < 6; i++) {
                    queued.add(manager.acquireAsync(Path.of("/accounts/q" + i), LockMode.READ));
                }
                during = awaitQueued(6);
                List<Future<?>> timingOut = new ArrayList<>();
                for (int i = 0; i < 6; i++) { // each waits its 300 ms behind the held lock, then times out
                    String id = "a" + i;
                    timingOut.add(threads.submit(() -> assertThrows(LockTimeoutException.class,
                            () -> service.hold(id, new CountDownLatch(1),
                                    new CountDownLatch(0)))));
                }
                for (Future<?> call : timingOut) {
                    call.get(60, TimeUnit.SECONDS);
                }
            }
            for (CompletableFuture<PathLock> request : queued) {
                request.get(60, TimeUnit.SECONDS).close();
            }
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                // Three paths, four callers each: they queue behind each other, with no deadline to miss.
                Path path = Path.of("/accounts/b" + (i % 3));
                calls.add(threads.submit(() -> {
                    manager.acquire(path, LockMode.WRITE).close();
                    return null;
                }));
            }
            for (Future<?> call : calls) {
                call.get(60, TimeUnit.SECONDS);
            }
            String after = scrape();
            System.out.println("/q/metrics under contention (persistence_*):\n" + persistenceLines(during)
                    + "\n/q/metrics after:\n" + persistenceLines(after));

            assertTrue(value(during, "persistence_lock_queued", "") >= 6, persistenceLines(during));
            assertTrue(value(during, "persistence_lock_oldest_wait_seconds", "") > 0, persistenceLines(during));
            assertEquals(1.0, value(during, "persistence_lock_active", "mode=\"write\""), persistenceLines(during));
            assertEquals(timeoutsBefore + 6,
                    value(after, "persistence_lock_wait_seconds_count", "mode=\"write\",outcome=\"timeout\""));
            assertTrue(value(after, "persistence_lock_wait_seconds_count",
                    "mode=\"write\",outcome=\"granted\"") >= grantedBefore + 13, persistenceLines(after)); // 12 calls + the test's own hold
            assertTrue(value(after, "persistence_lock_hold_seconds_count", "mode=\"write\",outcome=\"released\"") >= 13);
            assertEquals(0.0, value(after, "persistence_lock_queued", ""));
            assertTrue(!persistenceLines(after).contains("/accounts"), "a path leaked into a tag");
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void writesFsyncsBatchesAndRecoveriesAreMetered() throws Exception {
        Path dir = Files.createTempDirectory("persistence-metrics");
        String before = scrape();
        double writes = value(before, "persistence_write_seconds_count", "durability=\"atomic\"");
        double fileSyncs = value(before, "persistence_fsync_file_seconds_count", "");
        double recovered = value(before, "persistence_recovered_total", "");
        for (int i = 0; i < 5; i++) {
            client.writeString(dir.resolve("f" + i), "x");
        }
        Files.writeString(dir.resolve(".orphan.0123456789abcdef.persistence.tmp"), "left by a crash");
        assertEquals(1, client.recover(dir));
        String after = scrape();
        assertEquals(writes + 5, value(after, "persistence_write_seconds_count", "durability=\"atomic\""),
                persistenceLines(after));
        assertEquals(fileSyncs + 5, value(after, "persistence_fsync_file_seconds_count", ""), persistenceLines(after));
        assertEquals(recovered + 1, value(after, "persistence_recovered_total", ""), persistenceLines(after));
        assertTrue(after.contains("persistence_fsync_batch_count"), persistenceLines(after));
        client.delete(dir, DeleteOption.RECURSIVE);
    }

    @Test
    void anAsynchronousRequestWithdrawnByCancellationIsCountedAndLeavesNoTrace() throws Exception {
        double cancelledBefore = value(scrape(), "persistence_lock_wait_seconds_count", "mode=\"read\",outcome=\"cancelled\"");
        try (PathLock held = manager.acquire(Path.of("/async"), LockMode.WRITE)) {
            CompletableFuture<PathLock> waiting = manager.acquireAsync(Path.of("/async/x"), LockMode.READ);
            assertEquals(1, manager.stats().queued());
            waiting.cancel(false);
            assertEquals(0, manager.stats().queued(), "cancelling the metered future withdraws the request");
        }
        assertTrue(manager.stats().idle());
        assertEquals(cancelledBefore + 1,
                value(scrape(), "persistence_lock_wait_seconds_count", "mode=\"read\",outcome=\"cancelled\""));
        try (PathLock granted = manager.acquireAsync(Path.of("/async/y"), LockMode.READ).get(10, TimeUnit.SECONDS)) {
            assertTrue(granted.isHeld());
        }
        assertTrue(manager.stats().idle());
    }

    private static String awaitQueued(int queued) throws InterruptedException {
        Await.await(() -> value(scrape(), "persistence_lock_queued", "") >= queued, Duration.ofSeconds(60), queued + " queued");
        return scrape();
    }

    private static String scrape() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static String persistenceLines(String metrics) {
        return String.join("\n", metrics.lines().filter(l -> l.startsWith("persistence_")).toList());
    }

    /** The value of the series {@code name} whose labels contain {@code labels}; 0 when absent. */
    private static double value(String metrics, String name, String labels) {
        Matcher line = Pattern.compile("^" + name + "(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE).matcher(metrics);
        while (line.find()) {
            if (labels.isEmpty() || (line.group(1) != null && line.group(1).contains(labels))) {
                return Double.parseDouble(line.group(2));
            }
        }
        return 0;
    }
}
