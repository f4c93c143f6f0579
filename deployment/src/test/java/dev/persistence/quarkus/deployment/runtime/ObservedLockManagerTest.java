package dev.persistence.quarkus.deployment.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.persistence.LockContext;
import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.LockTimeoutException;
import dev.persistence.PathLock;
import dev.persistence.quarkus.metrics.MicrometerLockObserver;
import dev.persistence.quarkus.observe.ObservedLockManager;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The observing wrapper with the Micrometer observer around a real in-process manager: every method delegated, every outcome
 * counted.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ObservedLockManagerTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final LockManager portable = LockManager.create();
    private final LockManager manager = new ObservedLockManager(portable,
            List.of(new MicrometerLockObserver(registry, portable)));

    @Test
    void everyLockManagerMethodIsDelegatedExplicitly() {
        List<String> inherited = new ArrayList<>();
        for (Method method : LockManager.class.getMethods()) {
            if (Modifier.isStatic(method.getModifiers())) {
                continue;
            }
            try {
                ObservedLockManager.class.getDeclaredMethod(method.getName(), method.getParameterTypes());
            } catch (NoSuchMethodException e) {
                inherited.add(method.toString());
            }
        }
        assertEquals(List.of(), inherited, "LockManager methods ObservedLockManager leaves to the interface");
    }

    @Test
    void outcomesAreCountedByModeAndHoldsWhenClosedOnce() throws Exception {
        try (PathLock held = manager.acquireAsync(Path.of("/m"), LockMode.WRITE).join()) { // no thread owns it
            assertThrows(LockTimeoutException.class,
                    () -> manager.acquire(Path.of("/m/x"), LockMode.READ, Duration.ofMillis(50)));
            assertThrows(IllegalArgumentException.class, () -> manager.acquire(Path.of("relative"), LockMode.READ));
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> manager.acquire(Path.of("/other"), LockMode.READ));
            CompletableFuture<PathLock> waiting = manager.acquireAsync(Path.of("/m/y"), LockMode.READ);
            waiting.cancel(false);
            assertEquals(0, manager.stats().queued());
            held.close();
            held.close(); // idempotent: one hold recorded
        }
        assertEquals(1, count("persistence.lock.wait", "write", "granted"));
        assertEquals(1, count("persistence.lock.wait", "read", "timeout"));
        assertEquals(1, count("persistence.lock.wait", "read", "refused"));
        assertEquals(1, count("persistence.lock.wait", "read", "interrupted"));
        assertEquals(1, count("persistence.lock.wait", "read", "cancelled"));
        assertEquals(1, count("persistence.lock.hold", "write", "released"));
        assertTrue(manager.stats().idle());
    }

    @Test
    void aLockOfTheContextIsSeenThroughItsObservedWrapper() throws Exception {
        try (PathLock outer = manager.acquireAsync(Path.of("/ctx"), LockMode.WRITE).join();
                LockContext.Scope scope = LockContext.enter(outer)) {
            // Nested, not queued behind its own context's lock: granted at once.
            try (PathLock nested = manager.acquire(Path.of("/ctx/child"), LockMode.WRITE, Duration.ofSeconds(5))) {
                assertTrue(nested.isHeld());
            }
            // Pinned inside the context's lock, not queued behind it.
            PathLock pinned = manager.acquireAsyncInContext(Path.of("/ctx/async"), LockMode.READ).get(5, TimeUnit.SECONDS);
            assertEquals(0, manager.stats().queued());
            pinned.close();
        }
        assertTrue(manager.stats().idle(), manager.stats().toString());
    }

    @Test
    void aMultiPathLockShowsEveryPathThroughItsObservedWrapper() throws Exception {
        try (PathLock both = manager.acquireAll(List.of(Path.of("/mp/a"), Path.of("/mp/b")), LockMode.WRITE)) {
            assertEquals(List.of(Path.of("/mp/a"), Path.of("/mp/b")), both.paths());
            assertTrue(LockContext.covers(Path.of("/mp/b/x"), LockMode.WRITE), "the wrapper hid the second path");
        }
        assertTrue(manager.stats().idle(), manager.stats().toString());
    }

    @Test
    void theObservedLockForwardsEveryPathLockMethodExplicitly() throws Exception {
        Class<?> observedLock = Class.forName(ObservedLockManager.class.getName() + "$ObservedLock");
        List<String> inherited = new ArrayList<>();
        for (Method method : PathLock.class.getMethods()) {
            if (Modifier.isStatic(method.getModifiers())) {
                continue;
            }
            try {
                observedLock.getDeclaredMethod(method.getName(), method.getParameterTypes());
            } catch (NoSuchMethodException e) {
                inherited.add(method.toString());
            }
        }
        assertEquals(List.of(), inherited, "PathLock methods the observed lock leaves to the interface's defaults");
    }

    private long count(String name, String mode, String outcome) {
        return registry.get(name).tag("mode", mode).tag("outcome", outcome).timer().count();
    }
}
