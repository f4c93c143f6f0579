package dev.persistence.cdi;

import dev.persistence.LockedPathValueException;

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

import jakarta.inject.Inject;

import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.persistence.DeleteOption;
import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.LockTimeoutException;
import dev.persistence.PathLock;
import dev.persistence.PersistenceClient;

/** Asynchronous @Locked methods and start-up checks in a real Weld 5.1 container. */
@EnableWeld
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AsyncLockedTest {

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(CdiTestSupport.weld(Map.of(), AsyncOrderService.class)).build();

    @Inject
    AsyncOrderService orders;

    @Inject
    LockManager manager;

    @Inject
    PersistenceClient client;

    @AfterEach
    void idle() throws Exception {
        assertTrue(manager.stats().idle(), "lock left behind: " + manager.stats());
        client.delete(Path.of(AsyncOrderService.DATA), DeleteOption.RECURSIVE, DeleteOption.IGNORE_MISSING);
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
    void perMethodTimeoutOverridesTheConfiguredOne() throws Exception {
        try (PathLock held = manager.acquireAsync(Path.of(AsyncOrderService.DATA, "t"), LockMode.READ).join()) {
            long start = System.nanoTime();
            assertThrows(LockTimeoutException.class, () -> orders.quick("t"));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "waited past the 50ms timeout");
        }
        orders.quick("t");
    }

    @Test
    void nullAndControlCharacterValuesAreRefusedBeforeTheMethodRuns() {
        for (String bad : new String[] {null, "a\nb", "a\rb", "\u0085", "a\u2028b", "\u007f", "a\tb"}) {
            assertThrows(LockedPathValueException.class, () -> orders.quick(bad), String.valueOf(bad));
        }
        assertTrue(manager.stats().idle());
    }

    @Test
    void everyBadLockedMethodFailsTheDeploymentAtOnceQuotingItsTemplate() {
        Weld broken = CdiTestSupport.weld(Map.of("persistence.root", "/srv/data"), BrokenLockedService.class);
        RuntimeException failure = assertThrows(RuntimeException.class, () -> broken.initialize().shutdown());
        String message = CdiTestSupport.messages(failure);
        assertTrue(message.contains("3 @Locked problem(s)"), message);
        assertTrue(message.contains("'${persistence.root}/orders/{orderId}'") && message.contains("{orderId}"), message);
        assertTrue(message.contains("no.such.key"), message);
        assertTrue(message.contains("java.util.concurrent.Flow$Publisher"), message);
    }
}
