package dev.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.persistence.spi.ManagedLock;
import dev.persistence.spi.ThreadContexts;

/** Re-entrancy follows the work: LockContext, grant callbacks, scopes, pooled threads (pinned holds: LockManagerContract). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LockContextTest {

    private final LockManager manager = LockManager.create();
    private final ExecutorService pool = Executors.newSingleThreadExecutor();

    @AfterEach
    void idle() throws Exception {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        assertTrue(manager.stats().idle(), "lock left behind: " + manager.stats());
    }

    private static Path p(String path) {
        return Path.of(path);
    }

    @Test
    void aGrantCallbackNeverRunsInsideTheReleasingThreadsLocks() throws Exception {
        try (PathLock mine = manager.acquire(p("/x"), LockMode.WRITE)) {
            PathLock y = manager.acquire(p("/y"), LockMode.WRITE);
            CompletableFuture<Throwable> insideCallback = new CompletableFuture<>();
            manager.acquireAsync(p("/y"), LockMode.WRITE).thenAccept(granted -> {
                // Runs here, on the thread closing /y, which holds /x: the callback must not get /x.
                try {
                    manager.acquire(p("/x/child"), LockMode.WRITE, Duration.ZERO).close();
                    insideCallback.complete(null);
                } catch (Throwable failure) {
                    insideCallback.complete(failure);
                } finally {
                    granted.close();
                }
            });
            y.close();
            assertInstanceOf(LockTimeoutException.class, insideCallback.get(10, TimeUnit.SECONDS),
                    "a grant callback was granted a nested hold in the releasing thread's lock");
            assertTrue(mine.isHeld());
            manager.acquire(p("/x/child"), LockMode.WRITE, Duration.ZERO).close(); // and the thread still is re-entrant
        }
    }

    @Test
    void aCapturedContextCarriesReentrancyToAnotherThreadAndAPooledThreadKeepsNothing() throws Exception {
        PathLock lock = manager.acquire(p("/w"), LockMode.WRITE);
        LockContext captured = LockContext.capture();
        lock.disown(); // the calling thread moves on; the captured work still runs under the lock
        assertThrows(LockTimeoutException.class, () -> manager.acquire(p("/w/a"), LockMode.WRITE, Duration.ZERO));
        pool.submit(captured.wrap(() -> {
            try {
                manager.acquire(p("/w/a"), LockMode.WRITE, Duration.ZERO).close();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        })).get(10, TimeUnit.SECONDS);
        // The same pooled thread, running an unrelated task afterwards, is not inside the lock.
        Throwable later = pool.submit(() -> {
            try {
                manager.acquire(p("/w/a"), LockMode.WRITE, Duration.ofMillis(20)).close();
                return null;
            } catch (Throwable failure) {
                return failure;
            }
        }).get(10, TimeUnit.SECONDS);
        assertInstanceOf(LockTimeoutException.class, later);
        lock.close();
        assertTrue(captured.isEmpty(), "a released lock still counts in a captured context");
    }

    @Test
    void scopesRestoreThePreviousContextAndMustCloseOnTheirThread() throws Exception {
        PathLock lock = manager.acquireAsync(p("/s"), LockMode.READ).join();
        assertThrows(LockTimeoutException.class, () -> manager.acquire(p("/s/a"), LockMode.WRITE, Duration.ZERO));
        try (LockContext.Scope scope = LockContext.enter(lock)) {
            manager.acquire(p("/s/a"), LockMode.READ, Duration.ZERO).close();
            assertThrows(IllegalStateException.class, () -> manager.acquire(p("/s/a"), LockMode.WRITE, Duration.ZERO),
                    "an upgrade inside one's own READ must be refused, not wait");
            assertTrue(LockContext.covers(p("/s/a"), LockMode.READ));
            Throwable elsewhere = pool.submit(() -> {
                try {
                    scope.close();
                    return null;
                } catch (Throwable failure) {
                    return failure;
                }
            }).get(10, TimeUnit.SECONDS);
            assertInstanceOf(IllegalStateException.class, elsewhere);
        }
        assertFalse(LockContext.covers(p("/s/a"), LockMode.READ));
        lock.close();
        assertEquals(0, ThreadContexts.currentLocks().length);
    }

    @Test
    void clientCallsNestedInAnExplicitHoldLeaveNothingOnThePooledThread(@TempDir Path dir) throws Exception {
        PersistenceClient client = PersistenceClient.builder(manager).build();
        Thread thread = pool.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
        String read = pool.submit(() -> {
            try (PathLock held = manager.acquire(dir, LockMode.WRITE)) {
                client.writeString(dir.resolve("a.txt"), "nested"); // nested holds in the explicit one
                return client.readString(dir.resolve("a.txt"));
            }
        }).get(10, TimeUnit.SECONDS);
        assertEquals("nested", read);
        assertEquals(List.of(), ThreadLocals.ofLibrary(thread), "after client calls nested in an explicit hold");
        pool.submit(() -> {
            client.writeString(dir.resolve("b.txt"), "alone");
            return client.readString(dir.resolve("b.txt"));
        }).get(10, TimeUnit.SECONDS);
        assertEquals(List.of(), ThreadLocals.ofLibrary(thread), "after client calls of their own");
    }

    @Test
    void ownedLocksEndInAnyOrderOnAnyThreadAndTheContextKeepsExactlyTheLiveOnes() throws Exception {
        Thread thread = pool.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
        pool.submit(() -> {
            PathLock a = manager.acquire(p("/o/a"), LockMode.WRITE);
            PathLock b = manager.acquire(p("/o/b"), LockMode.WRITE);
            PathLock c = manager.acquire(p("/o/c"), LockMode.WRITE);
            assertEquals(List.of(a, b, c), List.of(ThreadContexts.currentLocks()), "oldest first");
            b.close(); // neither the newest nor the oldest
            assertEquals(List.of(a, c), List.of(ThreadContexts.currentLocks()));
            c.disown(); // the newest, still held
            assertTrue(c.isHeld());
            assertEquals(List.of(a), List.of(ThreadContexts.currentLocks()));
            c.close();
            CompletableFuture.runAsync(a::close).get(10, TimeUnit.SECONDS); // closed on another thread
            assertEquals(List.of(), List.of(ThreadContexts.currentLocks()));
            PathLock outer = manager.acquire(p("/o/d"), LockMode.WRITE);
            try (LockContext.Scope scope = LockContext.empty().activate()) {
                PathLock inner = manager.acquire(p("/o/e"), LockMode.WRITE);
                assertEquals(List.of(inner), List.of(ThreadContexts.currentLocks()), "a scope replaces the context");
                outer.close(); // the outer context's only lock ends while the scope is open
                inner.close();
                assertEquals(List.of(), List.of(ThreadContexts.currentLocks()));
            }
            assertEquals(List.of(), List.of(ThreadContexts.currentLocks()), "the emptied outer context is not restored");
            return null;
        }).get(10, TimeUnit.SECONDS);
        assertEquals(List.of(), ThreadLocals.ofLibrary(thread), "after owned locks ended in every order");
    }

    @Test
    void aLockIsOwnedOnce() throws Exception {
        try (PathLock lock = manager.acquire(p("/once"), LockMode.WRITE)) {
            assertThrows(IllegalStateException.class, ((ManagedLock) lock)::own, "a second own() of one lock");
            assertEquals(List.of(lock), List.of(ThreadContexts.currentLocks()));
        }
        assertEquals(List.of(), List.of(ThreadContexts.currentLocks()));
    }
}
