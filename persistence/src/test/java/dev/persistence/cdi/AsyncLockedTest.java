package dev.persistence.cdi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.inject.se.SeContainer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import dev.persistence.DeleteOption;
import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.LockTimeoutException;
import dev.persistence.LockedPathValueException;
import dev.persistence.PathLock;
import dev.persistence.PersistenceClient;

/** Asynchronous @Locked methods and start-up checks in a real container of each CDI implementation. */
@ParameterizedClass
@EnumSource(CdiTestSupport.Implementation.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AsyncLockedTest {

    private final CdiTestSupport.Implementation cdi;
    private SeContainer container;
    private AsyncOrderService orders;
    private LockManager manager;
    private PersistenceClient client;

    AsyncLockedTest(CdiTestSupport.Implementation cdi) {
        this.cdi = cdi;
    }

    @BeforeEach
    void start() {
        container = cdi.start(Map.of(), AsyncOrderService.class);
        orders = container.select(AsyncOrderService.class).get();
        manager = container.select(LockManager.class).get();
        client = container.select(PersistenceClient.class).get();
    }

    @AfterEach
    void idle() throws Exception {
        try {
            assertTrue(manager.stats().idle(), "lock left behind: " + manager.stats());
            client.delete(Path.of(AsyncOrderService.DATA), DeleteOption.RECURSIVE, DeleteOption.IGNORE_MISSING);
        } finally {
            container.close();
        }
    }

    @Test
    void theAsyncBodyOfALockedStageUsesTheClientOnItsOwnLockAndLosesNoUpdate() throws Exception {
        List<CompletableFuture<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            calls.add(orders.increment("a").toCompletableFuture());
        }
        for (CompletableFuture<Integer> call : calls) {
            call.get(30, TimeUnit.SECONDS);
        }
        assertEquals("50", client.readString(Path.of(AsyncOrderService.DATA, "a", "counter")));
    }

    @Test
    void anAsyncMethodCalledInsideACoveringLockKeepsARealHoldUntilItsStageCompletes() throws Exception {
        CompletableFuture<String> done = new CompletableFuture<>();
        CompletableFuture<String> line = orders.startLine("o1", done);
        // The outer method has returned; its lock must live on for the stage it started.
        assertEquals(1, manager.stats().activeWriters(), manager.stats().toString());
        assertThrows(LockTimeoutException.class,
                () -> manager.acquire(Path.of(AsyncOrderService.DATA, "o1"), LockMode.WRITE, Duration.ofMillis(100)),
                "another caller was granted the outer path while the inner stage still ran");
        CompletableFuture<PathLock> waiting = manager.acquireAsync(Path.of(AsyncOrderService.DATA, "o1"), LockMode.WRITE);
        assertFalse(waiting.isDone());
        done.complete("ok");
        assertEquals("ok", line.get(10, TimeUnit.SECONDS));
        waiting.get(10, TimeUnit.SECONDS).close();
    }

    @Test
    void anAsyncMethodOnTwoPathsCalledInsideTwoCallerLocksIsPinnedInBothUntilItsStageCompletes() throws Exception {
        Path first = Path.of(AsyncOrderService.DATA, "m1");
        Path second = Path.of(AsyncOrderService.DATA, "m2");
        CompletableFuture<String> done = new CompletableFuture<>();
        CompletableFuture<String> lines;
        try (PathLock a = manager.acquire(first, LockMode.WRITE); PathLock b = manager.acquire(second, LockMode.WRITE)) {
            lines = orders.twoLines("m1", "m2", done);
        }
        // The caller's scopes have ended; both of its locks must live on for the stage.
        assertEquals(2, manager.stats().activeWriters(), manager.stats().toString());
        CompletableFuture<PathLock> onFirst = manager.acquireAsync(first, LockMode.WRITE);
        CompletableFuture<PathLock> onSecond = manager.acquireAsync(second.resolve("lines/1"), LockMode.READ);
        assertFalse(onFirst.isDone() || onSecond.isDone(), "another caller was granted a path while the stage ran");
        done.complete("ok");
        assertEquals("ok", lines.get(10, TimeUnit.SECONDS));
        onFirst.get(10, TimeUnit.SECONDS).close();
        onSecond.get(10, TimeUnit.SECONDS).close();
    }

    @Test
    void perMethodTimeoutOverridesTheConfiguredOne() throws Exception {
        try (PathLock held = manager.acquireAsync(Path.of(AsyncOrderService.DATA, "t"), LockMode.READ).join()) {
            // Nothing configured waits forever: only the method's 50 ms can end this wait, and the message names it.
            LockTimeoutException timedOut = assertThrows(LockTimeoutException.class, () -> orders.quick("t"));
            assertTrue(timedOut.getMessage().startsWith("Timed out after PT0.05S "), timedOut.getMessage());
        }
        orders.quick("t");
    }

    @Test
    void nullAndControlCharacterValuesAreRefusedBeforeTheMethodRuns() {
        for (String bad : new String[] { null, "a\nb", "a\rb", "\u0085", "a\u2028b", "\u007f", "a\tb" }) {
            assertThrows(LockedPathValueException.class, () -> orders.quick(bad), String.valueOf(bad));
        }
        assertTrue(manager.stats().idle());
    }
}
