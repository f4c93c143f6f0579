package dev.persistence.cdi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.LockTimeoutException;
import dev.persistence.PathLock;
import dev.persistence.PersistenceClient;
import dev.persistence.testsupport.Await;

/** {@code @Locked} in a real Weld 5.1 container (the Weld of Payara 6). */
@EnableWeld
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockedInterceptorTest {

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(CdiTestSupport.weld(Map.of("orders.base", "/orders"), OrderService.class, ClassLockedService.class))
            .build();

    @Inject
    OrderService orders;

    @Inject
    ClassLockedService classLocked;

    @Inject
    LockManager manager;

    @Inject
    PersistenceClient client;

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void idle() throws Exception {
        threads.shutdownNow();
        assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS));
        assertTrue(manager.stats().idle(), "lock left behind: " + manager.stats());
    }

    @Test
    void bothBeansAreInjectedAndShareOneManager() throws Exception {
        try (PathLock lock = manager.acquire(Path.of("/shared"), LockMode.WRITE)) {
            assertEquals(1, client.lockManager().stats().activeWriters());
        }
    }

    @Test
    void callsWithTheSameValueSerialise() throws Exception {
        CountDownLatch firstIn = new CountDownLatch(1), secondIn = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1), releaseSecond = new CountDownLatch(1);
        Future<?> first = threads.submit(() -> {
            orders.update("42", firstIn, releaseFirst);
            return null;
        });
        assertTrue(firstIn.await(10, TimeUnit.SECONDS));
        Future<?> second = threads.submit(() -> {
            orders.update("42", secondIn, releaseSecond);
            return null;
        });
        Await.await(() -> manager.stats().queued() == 1, "second call queued");
        assertEquals(1, secondIn.getCount(), "second call entered while the first held the lock");
        releaseFirst.countDown();
        assertTrue(secondIn.await(10, TimeUnit.SECONDS));
        releaseSecond.countDown();
        first.get(10, TimeUnit.SECONDS);
        second.get(10, TimeUnit.SECONDS);
    }

    @Test
    void callsWithDifferentValuesAndReadCallsOverlap() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch allIn = new CountDownLatch(4);
        List<Future<?>> calls = List.of(
                threads.submit(() -> {
                    orders.update("1", allIn, release);
                    return null;
                }),
                threads.submit(() -> {
                    orders.update("2", allIn, release);
                    return null;
                }),
                threads.submit(() -> {
                    orders.view("3", allIn, release);
                    return null;
                }),
                threads.submit(() -> {
                    orders.view("3", allIn, release);
                    return null;
                }));
        assertTrue(allIn.await(10, TimeUnit.SECONDS), "non-conflicting calls waited for each other");
        assertEquals(2, manager.stats().activeWriters());
        assertEquals(2, manager.stats().activeReaders());
        release.countDown();
        for (Future<?> call : calls) {
            call.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void classLevelAnnotationAppliesAndAMethodAnnotationOverridesIt() throws Exception {
        CountDownLatch in = new CountDownLatch(1), release = new CountDownLatch(1);
        Future<?> held = threads.submit(() -> {
            classLocked.hold(in, release);
            return null;
        });
        assertTrue(in.await(10, TimeUnit.SECONDS));
        assertThrows(LockTimeoutException.class,
                () -> manager.acquire(Path.of("/class-level/x"), LockMode.READ, Duration.ZERO));
        release.countDown();
        held.get(10, TimeUnit.SECONDS);

        CountDownLatch ownIn = new CountDownLatch(1), ownRelease = new CountDownLatch(1);
        Future<?> own = threads.submit(() -> {
            classLocked.own("m", ownIn, ownRelease);
            return null;
        });
        assertTrue(ownIn.await(10, TimeUnit.SECONDS));
        assertEquals(1, manager.stats().activeReaders(), "the method's READ lock, not the class's WRITE");
        manager.acquire(Path.of("/class-level"), LockMode.WRITE, Duration.ZERO).close();
        ownRelease.countDown();
        own.get(10, TimeUnit.SECONDS);
    }

    @Test
    void anExceptionReleasesTheLock() {
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> orders.fail("7"));
        assertEquals("business failure", thrown.getMessage());
        assertTrue(manager.stats().idle());
    }

    @Test
    void aCompletionStageKeepsTheLockUntilItCompletes() throws Exception {
        CompletableFuture<String> work = new CompletableFuture<>();
        CompletableFuture<String> returned = orders.later("9", work);
        assertEquals(1, manager.stats().activeWriters(), "released before the stage completed");
        assertThrows(LockTimeoutException.class,
                () -> manager.acquire(Path.of("/orders/9"), LockMode.READ, Duration.ZERO),
                "the calling thread slipped back into a lock it no longer runs under");
        work.complete("done");
        assertEquals("done", returned.get(10, TimeUnit.SECONDS));
        assertTrue(manager.stats().idle());

        CompletableFuture<String> failing = new CompletableFuture<>();
        CompletableFuture<String> failed = orders.later("9", failing);
        failing.completeExceptionally(new IllegalStateException("async failure"));
        ExecutionException e = assertThrows(ExecutionException.class, () -> failed.get(10, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    @Test
    void placeholderValuesThatAreNotOneSegmentAreRefusedWithoutInvoking() {
        for (String bad : List.of("..", ".", "", "a/b", "/", "a\0b", "..\\x")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> orders.updateLine("1", bad), bad);
            assertTrue(e.getMessage().contains("not a single path segment"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> orders.fail(bad), bad);
        }
        assertEquals(0, orders.invocations(), "the method ran with a refused value");
        orders.updateLine("1", "ok");
        assertEquals(1, orders.invocations());
    }

    @Test
    void configurationValuesInTheTemplateAreExpanded() throws Exception {
        try (PathLock held = manager.acquireAsync(Path.of("/orders/3/lines/9"), LockMode.READ).join()) {
            CompletableFuture<Void> call = CompletableFuture.runAsync(() -> orders.updateLine("3", "9"), threads);
            Await.await(() -> manager.stats().queued() == 1,
                    "${orders.base}/{id}/lines/{line} resolved to /orders/3/lines/9 and waits for the read");
            assertFalse(call.isDone());
        }
        Await.await(() -> orders.invocations() == 1, "call ran after the release");
    }

    @Test
    void clientCallsOnCoveredPathsRunInsideTheLock() throws Exception {
        try {
            assertEquals("12[b.json]", orders.rewrite("inside"));
        } finally {
            client.delete(Path.of(OrderService.DATA), dev.persistence.DeleteOption.RECURSIVE,
                    dev.persistence.DeleteOption.IGNORE_MISSING);
        }
        assertFalse(Files.exists(Path.of(OrderService.DATA)));
    }
}
