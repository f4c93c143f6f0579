package dev.persistence.cdi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.se.SeContainer;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import dev.persistence.BatchRecipes;
import dev.persistence.Durability;
import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.LockTimeoutException;
import dev.persistence.PathLock;
import dev.persistence.PersistenceClient;
import dev.persistence.testsupport.Await;

/** Configuration keys, bad values, health and replacement beans, each in a fresh container of each CDI implementation. */
@ParameterizedClass
@EnumSource(CdiTestSupport.Implementation.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConfiguredBeansTest {

    private final CdiTestSupport.Implementation cdi;

    ConfiguredBeansTest(CdiTestSupport.Implementation cdi) {
        this.cdi = cdi;
    }

    @TempDir
    Path dir;

    @Test
    void configurationKeysTakeEffect() throws Exception {
        Path root = Files.createDirectory(dir.resolve("root"));
        try (SeContainer container = cdi.start(Map.of(
                "persistence.durable", "true",
                "persistence.root", root.toString(),
                "persistence.lock-timeout", "150ms",
                "persistence.file-mode", "0604",
                "persistence.temp-suffix", "part"), OrderService.class)) {
            PersistenceClient client = container.select(PersistenceClient.class).get();
            assertTrue(client.durable());
            assertEquals(root, client.root().orElseThrow());
            assertThrows(IllegalArgumentException.class, () -> client.writeString(dir.resolve("outside"), "x"));
            assertFalse(Files.exists(dir.resolve("outside")));
            client.writeString(root.resolve("inside"), "x");
            assertEquals("x", Files.readString(root.resolve("inside")));
            assertEquals("rw----r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("inside"))));

            LockManager manager = container.select(LockManager.class).get();
            OrderService orders = container.select(OrderService.class).get();
            try (PathLock held = CompletableFuture.supplyAsync(() -> manager.acquireAsync(Path.of("/orders/5"),
                    LockMode.WRITE).join()).get(10, TimeUnit.SECONDS)) {
                long started = System.nanoTime();
                assertThrows(LockTimeoutException.class,
                        () -> orders.update("5", new CountDownLatch(1), new CountDownLatch(0)));
                assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(150));
                assertEquals(0, orders.invocations());
            }
            assertTrue(manager.stats().idle());
        }
    }

    @Test
    void badValuesFailStartupNamingTheKeyAndTheValue() {
        Map<String, String> bad = Map.of(
                "persistence.lock-timeout", "-5s",
                "persistence.health.max-wait", "soon",
                "persistence.root", "relative/data",
                "persistence.health.max-queued", "many",
                "persistence.durable", "yes",
                "persistence.durability", "fast",
                "persistence.file-mode", "0o640",
                "persistence.temp-suffix", "a/b");
        bad.forEach((key, value) -> {
            RuntimeException failure = assertThrows(RuntimeException.class,
                    () -> cdi.start(Map.of(key, value)).close(), key);
            String messages = CdiTestSupport.messages(failure);
            assertTrue(messages.contains(key) && messages.contains("'" + value + "'"),
                    key + "=" + value + " failed without naming both: " + messages);
        });
    }

    @Test
    void everyBadLockedMethodFailsTheDeploymentAtOnceQuotingItsTemplate() {
        RuntimeException failure = assertThrows(RuntimeException.class,
                () -> cdi.start(Map.of("persistence.root", "/srv/data"), BrokenLockedService.class).close());
        String message = CdiTestSupport.messages(failure);
        assertTrue(message.contains("3 @Locked problem(s)"), message);
        assertTrue(message.contains("'${persistence.root}/orders/{orderId}'") && message.contains("{orderId}"), message);
        assertTrue(message.contains("no.such.key"), message);
        assertTrue(message.contains("java.util.concurrent.Flow$Publisher"), message);
    }

    @Test
    void durabilityKeyAndItsShorthandChooseTheLevel() {
        Map<Map<String, String>, Durability> cases = Map.of(
                Map.of(), Durability.ATOMIC,
                Map.of("persistence.durability", "no-sync"), Durability.NO_SYNC,
                Map.of("persistence.durability", "DURABLE"), Durability.DURABLE,
                Map.of("persistence.durable", "true"), Durability.DURABLE,
                Map.of("persistence.durable", "true", "persistence.durability", "durable"), Durability.DURABLE);
        cases.forEach((config, level) -> {
            try (SeContainer container = cdi.start(config)) {
                assertEquals(level, container.select(PersistenceClient.class).get().durability(), config.toString());
            }
        });
        RuntimeException contradiction = assertThrows(RuntimeException.class, () -> cdi.start(
                Map.of("persistence.durable", "true", "persistence.durability", "no-sync")).close());
        assertTrue(CdiTestSupport.messages(contradiction).contains("contradicts"), CdiTestSupport.messages(contradiction));
    }

    @Test
    void durationsAcceptIsoAndShortForms() {
        assertEquals(Duration.ofSeconds(5), PersistenceSettings.parseDuration("PT5S"));
        assertEquals(Duration.ofMillis(250), PersistenceSettings.parseDuration("250ms"));
        assertEquals(Duration.ofSeconds(5), PersistenceSettings.parseDuration("5s"));
        assertEquals(Duration.ofMinutes(1), PersistenceSettings.parseDuration("1m"));
        assertEquals(Duration.ofHours(2), PersistenceSettings.parseDuration("2h"));
        assertThrows(IllegalArgumentException.class, () -> PersistenceSettings.parseDuration("-PT1S"));
        assertThrows(IllegalArgumentException.class, () -> PersistenceSettings.parseDuration("5 parsecs"));
    }

    @Test
    void recoverOnStartRemovesOrphansLeftBeforeStartup() throws Exception {
        Path orphan = Files.writeString(dir.resolve(".doc.json.0123456789abcdef.persistence.tmp"), "half");
        Path user = Files.writeString(dir.resolve("doc.json"), "{}");
        try (SeContainer container = cdi.start(Map.of(
                "persistence.root", dir.toString(), "persistence.recover-on-start", "true"))) {
            assertFalse(Files.exists(orphan), "orphan survived startup");
            assertTrue(Files.exists(user));
        }
    }

    /** A batch that a crash stopped after its commit point is completed by the start-up recovery. */
    @Test
    void recoverOnStartCompletesACommittedBatch() throws Exception {
        PersistenceClient crashed = PersistenceClient.builder(LockManager.create()).build();
        crashed.writeString(dir.resolve("a.json"), "old a");
        Map<Path, byte[]> changes = new HashMap<>();
        changes.put(dir.resolve("a.json"), "new a".getBytes(StandardCharsets.UTF_8));
        changes.put(dir.resolve("new/b.json"), "new b".getBytes(StandardCharsets.UTF_8));
        BatchRecipes.commit(BatchRecipes.Recipe.STOPPED_AFTER_COMMIT_POINT, crashed, changes);
        assertEquals("old a", Files.readString(dir.resolve("a.json")));
        try (SeContainer container = cdi.start(Map.of(
                "persistence.root", dir.toString(), "persistence.recover-on-start", "true"))) {
            assertEquals("new a", Files.readString(dir.resolve("a.json")));
            assertEquals("new b", Files.readString(dir.resolve("new/b.json")));
            try (Stream<Path> files = Files.walk(dir)) {
                assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList(),
                        "temp or intent files left after startup");
            }
        }
    }

    @Test
    void readinessIsUpWhenIdleDownWhenTooManyWaitAndUpAgainAfter() throws Exception {
        try (SeContainer container = cdi.start(Map.of("persistence.health.max-queued", "1"))) {
            HealthCheck check = container.select(HealthCheck.class, Readiness.Literal.INSTANCE).get();
            LockManager manager = container.select(LockManager.class).get();
            HealthCheckResponse idle = check.call();
            assertEquals("persistence", idle.getName());
            assertEquals(HealthCheckResponse.Status.UP, idle.getStatus());
            assertEquals(0L, idle.getData().orElseThrow().get("queued"));

            PathLock held = manager.acquireAsync(Path.of("/h"), LockMode.WRITE).join();
            CompletableFuture<PathLock> one = manager.acquireAsync(Path.of("/h/1"), LockMode.READ);
            assertEquals(HealthCheckResponse.Status.UP, check.call().getStatus(), "1 waiting is not more than 1");
            CompletableFuture<PathLock> two = manager.acquireAsync(Path.of("/h/2"), LockMode.READ);
            HealthCheckResponse busy = check.call();
            assertEquals(HealthCheckResponse.Status.DOWN, busy.getStatus());
            assertEquals(2L, busy.getData().orElseThrow().get("queued"));
            assertEquals(1L, busy.getData().orElseThrow().get("active-writers"));

            held.close();
            one.join().close();
            two.join().close();
            assertEquals(HealthCheckResponse.Status.UP, check.call().getStatus());
        }
    }

    @Test
    void readinessIsDownWhenTheOldestWaitIsTooLong() throws Exception {
        try (SeContainer container = cdi.start(Map.of("persistence.health.max-wait", "30ms"))) {
            HealthCheck check = container.select(HealthCheck.class, Readiness.Literal.INSTANCE).get();
            LockManager manager = container.select(LockManager.class).get();
            PathLock held = manager.acquireAsync(Path.of("/w"), LockMode.WRITE).join();
            CompletableFuture<PathLock> waiting = manager.acquireAsync(Path.of("/w"), LockMode.READ);
            Await.await(() -> check.call().getStatus() == HealthCheckResponse.Status.DOWN,
                    "DOWN once the wait passes 30ms");
            assertTrue((Long) check.call().getData().orElseThrow().get("oldest-wait-ms") >= 30);
            held.close();
            waiting.join().close();
            assertEquals(HealthCheckResponse.Status.UP, check.call().getStatus());
        }
    }

    @Test
    void aStageThatNeverCompletesMakesLaterCallersTimeOutAndShowsInHealth() throws Exception {
        try (SeContainer container = cdi.start(Map.of("persistence.lock-timeout", "100ms",
                "persistence.health.max-queued", "0"), OrderService.class)) {
            OrderService orders = container.select(OrderService.class).get();
            LockManager manager = container.select(LockManager.class).get();
            HealthCheck check = container.select(HealthCheck.class, Readiness.Literal.INSTANCE).get();
            CompletableFuture<String> never = new CompletableFuture<>();
            orders.later("stuck", never);
            CompletableFuture<HealthCheckResponse> duringWait = new CompletableFuture<>();
            CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> assertThrows(LockTimeoutException.class,
                    () -> orders.later("stuck", new CompletableFuture<>())));
            Await.await(() -> manager.stats().queued() == 1, "second caller waits");
            duringWait.complete(check.call());
            waiter.get(10, TimeUnit.SECONDS);
            assertEquals(HealthCheckResponse.Status.DOWN, duringWait.join().getStatus());
            assertEquals(1L, duringWait.join().getData().orElseThrow().get("queued"));
            assertEquals(HealthCheckResponse.Status.UP, check.call().getStatus(), "the timed-out caller left a trace");
            assertEquals(1, manager.stats().activeWriters(), "the stuck call still holds its lock");
            assertThrows(IllegalArgumentException.class, () -> orders.later("x".repeat(300) + "/", never));
            never.complete("finally");
            assertTrue(manager.stats().idle());
        }
    }

    @Test
    void anApplicationAlternativeReplacesTheLockManager() throws Exception {
        CustomManagerProducer.acquired = 0; // static: the class runs once per implementation
        try (SeContainer container = cdi.start(Map.of(), CustomManagerProducer.class)) {
            PersistenceClient client = container.select(PersistenceClient.class).get();
            client.lockManager().acquireAsync(Path.of("/custom"), LockMode.READ).join().close();
            container.select(LockManager.class).get().acquireAsync(Path.of("/custom"), LockMode.READ).join().close();
            assertEquals(2, CustomManagerProducer.acquired, "the library's manager was used, not the application's");
        }
    }

    /** An application's own lock manager, selected over the library's by @Alternative @Priority. */
    @Alternative
    @Priority(100)
    @ApplicationScoped
    public static class CustomManagerProducer {
        static final LockManager REAL = LockManager.create();
        static int acquired;

        @Produces
        @ApplicationScoped
        LockManager custom() {
            return new CountingManager();
        }

        static final class CountingManager extends ForwardingLockManager {
            CountingManager() {
                super(REAL);
            }

            @Override
            public CompletableFuture<PathLock> acquireAsync(Path path, LockMode mode) {
                acquired++;
                return super.acquireAsync(path, mode);
            }
        }
    }
}
