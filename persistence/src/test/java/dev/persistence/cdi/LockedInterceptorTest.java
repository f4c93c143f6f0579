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
import dev.persistence.PathLock;
import dev.persistence.PersistenceClient;
import dev.persistence.testsupport.Await;

/** {@code @Locked} in a real container of each CDI implementation (Weld 5.1 of Payara 6, OpenWebBeans 4 of TomEE 10). */
@ParameterizedClass
@EnumSource(CdiTestSupport.Implementation.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockedInterceptorTest {

    private final CdiTestSupport.Implementation cdi;
    private SeContainer container;
    private OrderService orders;
    private ClassLockedService classLocked;
    private StereotypeLockedService stereotypeLocked;
    private LockManager manager;
    private PersistenceClient client;

    private final ExecutorService threads = Executors.newCachedThreadPool();

    LockedInterceptorTest(CdiTestSupport.Implementation cdi) {
        this.cdi = cdi;
    }

    @BeforeEach
    void start() {
        container = cdi.start(Map.of("orders.base", "/orders"), OrderService.class, ClassLockedService.class,
                StereotypeLockedService.class);
        orders = container.select(OrderService.class).get();
        classLocked = container.select(ClassLockedService.class).get();
        stereotypeLocked = container.select(StereotypeLockedService.class).get();
        manager = container.select(LockManager.class).get();
        client = container.select(PersistenceClient.class).get();
    }

    @AfterEach
    void idle() throws Exception {
        try {
            threads.shutdownNow();
            assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS));
            assertTrue(manager.stats().idle(), "lock left behind: " + manager.stats());
        } finally {
            container.close();
        }
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
    void aStereotypeCarriesTheLockToEveryMethod() throws Exception {
        CountDownLatch in = new CountDownLatch(1), release = new CountDownLatch(1);
        Future<?> held = threads.submit(() -> {
            stereotypeLocked.hold(in, release);
            return null;
        });
        try {
            Await.await(() -> in.getCount() == 0 || held.isDone(), "the stereotype's method entered");
            if (held.isDone()) {
                held.get(); // the call failed: its exception says why
            }
            assertThrows(LockTimeoutException.class,
                    () -> manager.acquire(Path.of("/stereotype-level/x"), LockMode.READ, Duration.ZERO));
        } finally {
            release.countDown();
        }
        held.get(10, TimeUnit.SECONDS);
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
            client.delete(Path.of(OrderService.DATA), DeleteOption.RECURSIVE,
                    DeleteOption.IGNORE_MISSING);
        }
        assertFalse(Files.exists(Path.of(OrderService.DATA)));
    }
}
