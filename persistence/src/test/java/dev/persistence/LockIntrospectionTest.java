package dev.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link LockManager#locks(int)} on the in-process manager: who holds and who waits, bounded, consistent. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockIntrospectionTest {

    private final LockManager manager = LockManager.create();

    @Test
    void listsHoldersThenWaitersOldestFirstWithThreadModeAndAge() throws Exception {
        assertEquals(List.of(), manager.locks(10));
        CountDownLatch held = new CountDownLatch(1), release = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            try (PathLock lock = manager.acquire(Path.of("/a/b"), LockMode.WRITE)) {
                held.countDown();
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "holder-thread");
        holder.start();
        assertTrue(held.await(30, TimeUnit.SECONDS));
        try (PathLock sibling = manager.acquire(Path.of("/x"), LockMode.READ)) {
            CompletableFuture<PathLock> first = manager.acquireAsync(Path.of("/a"), LockMode.READ);
            Thread.sleep(20); // distinct ages, in arrival order
            CompletableFuture<PathLock> second = manager.acquireAsync(Path.of("/a/b/c"), LockMode.WRITE);

            List<LockInfo> locks = manager.locks(10);

            assertEquals(4, locks.size(), locks.toString());
            assertEquals(List.of(LockInfo.State.HELD, LockInfo.State.HELD, LockInfo.State.WAITING, LockInfo.State.WAITING),
                    locks.stream().map(LockInfo::state).toList());
            LockInfo writer = locks.stream().filter(l -> l.path().equals(Path.of("/a/b"))).findFirst().orElseThrow();
            assertEquals(LockMode.WRITE, writer.mode());
            assertEquals("holder-thread", writer.thread());
            LockInfo reader = locks.stream().filter(l -> l.path().equals(Path.of("/x"))).findFirst().orElseThrow();
            assertEquals(Thread.currentThread().getName(), reader.thread());
            assertEquals(Path.of("/a"), locks.get(2).path());
            assertEquals(Path.of("/a/b/c"), locks.get(3).path());
            assertTrue(locks.get(2).age().compareTo(locks.get(3).age()) >= 0, locks.toString());
            assertTrue(writer.age().compareTo(Duration.ZERO) > 0);

            assertEquals(2, manager.locks(2).size(), "bounded");
            assertEquals(List.of(), manager.locks(0));
            assertThrows(IllegalArgumentException.class, () -> manager.locks(-1));

            release.countDown();
            first.get(30, TimeUnit.SECONDS).close();
            second.get(30, TimeUnit.SECONDS).close();
        } finally {
            release.countDown();
            holder.join(30_000);
        }
        assertEquals(List.of(), manager.locks(10));
    }

    @Test
    void aMultiPathRequestIsListedOnceAndANestedHoldNotAgain() throws Exception {
        try (PathLock all = manager.acquireAll(List.of(Path.of("/m/1"), Path.of("/m/2"), Path.of("/n")), LockMode.WRITE);
                PathLock nested = manager.acquire(Path.of("/m/1/deeper"), LockMode.READ)) {
            List<LockInfo> locks = manager.locks(10);
            assertEquals(1, locks.size(), locks.toString());
            assertEquals(Path.of("/m/1"), locks.get(0).path());
        }
    }

    @Test
    void theDefaultOfOtherManagersIsEmptyButStillChecksItsArgument() {
        LockManager other = new LockManager() {
            public PathLock acquire(Path path, LockMode mode) {
                throw new UnsupportedOperationException();
            }

            public PathLock acquire(Path path, LockMode mode, Duration timeout) {
                throw new UnsupportedOperationException();
            }

            public CompletableFuture<PathLock> acquireAsync(Path path, LockMode mode) {
                throw new UnsupportedOperationException();
            }

            public PathLock acquireAll(Collection<Path> paths, LockMode mode) {
                throw new UnsupportedOperationException();
            }

            public PathLock acquireAll(Collection<Path> paths, LockMode mode, Duration timeout) {
                throw new UnsupportedOperationException();
            }

            public CompletableFuture<PathLock> acquireAllAsync(Collection<Path> paths, LockMode mode) {
                throw new UnsupportedOperationException();
            }

            public LockStats stats() {
                return new LockStats(0, 0, 0, Duration.ZERO, 0);
            }
        };
        assertEquals(List.of(), other.locks(5));
        assertThrows(IllegalArgumentException.class, () -> other.locks(-1));
    }
}
