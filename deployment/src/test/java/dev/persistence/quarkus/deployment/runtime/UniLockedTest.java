package dev.persistence.quarkus.deployment.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.PathLock;
import dev.persistence.testsupport.Await;
import io.quarkus.runtime.BlockingOperationNotAllowedException;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.Vertx;

/** @Locked on methods returning Uni, and on the Vert.x event loop. */
class UniLockedTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(UniService.class));

    @Inject
    UniService service;

    @Inject
    LockManager manager;

    @Inject
    Vertx vertx;

    @AfterEach
    void idle() throws InterruptedException {
        Await.await(() -> manager.stats().idle(), "lock left behind: " + manager.stats());
    }

    @Test
    void fiftyConcurrentUniIncrementsLoseNothing() {
        List<CompletableFuture<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            calls.add(service.increment("c").subscribeAsCompletionStage());
        }
        calls.forEach(CompletableFuture::join);
        assertEquals(50, service.counter("c"), "lost updates");
    }

    @Test
    void concurrentUniTransfersInRandomDirectionsConserveTheTotalWithoutDeadlock() {
        List<String> accounts = List.of("t1", "t2", "t3", "t4"); // keys no other test uses
        Random random = new Random(22);
        List<CompletableFuture<Void>> transfers = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            int from = random.nextInt(accounts.size());
            int to = (from + 1 + random.nextInt(accounts.size() - 1)) % accounts.size();
            transfers.add(service.transfer(accounts.get(from), accounts.get(to)).subscribeAsCompletionStage());
        }
        transfers.forEach(transfer -> transfer.orTimeout(60, TimeUnit.SECONDS).join()); // a deadlock fails here
        assertEquals(0, accounts.stream().mapToInt(account -> {
            Integer balance = service.counter(account);
            return balance == null ? 0 : balance;
        }).sum(), "money created or lost");
    }

    @Test
    void theLockIsTakenOnSubscriptionAndHeldUntilTheItem() throws Exception {
        int before = service.invocations();
        CompletableFuture<String> release = new CompletableFuture<>();
        Uni<String> uni = service.hold("h", release);
        assertEquals(before, service.invocations(), "the method ran before subscription");
        assertTrue(manager.stats().idle(), "locked before subscription");
        CompletableFuture<String> result = uni.subscribeAsCompletionStage();
        Await.await(() -> manager.stats().activeWriters() == 1, "held after subscription");
        assertEquals(before + 1, service.invocations());
        CompletableFuture<PathLock> other = manager.acquireAsync(Path.of("/uni/h"), LockMode.READ);
        assertTrue(!other.isDone(), "another reader was granted while the Uni ran");
        release.complete("done");
        assertEquals("done", result.get(10, TimeUnit.SECONDS));
        other.get(10, TimeUnit.SECONDS).close();
        // A second subscription takes the lock again and invokes the method again.
        assertEquals("again",
                service.hold("h", CompletableFuture.completedFuture("again")).await().atMost(Duration.ofSeconds(10)));
        assertEquals(before + 2, service.invocations());
    }

    @Test
    void cancellingReleasesAHeldLockAndWithdrawsAWaitingOne() throws Exception {
        int before = service.invocations();
        Cancellable holding = service.hold("x", new CompletableFuture<>()).subscribe().with(item -> {
        });
        Await.await(() -> manager.stats().activeWriters() == 1, "held");
        Cancellable waiting = service.hold("x", new CompletableFuture<>()).subscribe().with(item -> {
        });
        Await.await(() -> manager.stats().queued() == 1, "second subscription queued");
        waiting.cancel();
        Await.await(() -> manager.stats().queued() == 0, "cancelled subscription withdrawn");
        holding.cancel();
        Await.await(() -> manager.stats().idle(), "cancelled subscription released");
        assertEquals(before + 1, service.invocations(), "the withdrawn subscription ran the method");
    }

    @Test
    void aSynchronousLockedMethodFailsFastOnTheEventLoopWhileAUniWaitsWithoutBlockingIt() throws Exception {
        CompletableFuture<Throwable> sync = new CompletableFuture<>();
        vertx.runOnContext(ignored -> {
            try {
                service.readNow("e");
                sync.complete(null);
            } catch (Throwable failure) {
                sync.complete(failure);
            }
        });
        assertInstanceOf(BlockingOperationNotAllowedException.class, sync.get(10, TimeUnit.SECONDS));

        try (PathLock held = manager.acquire(Path.of("/uni/e"), LockMode.WRITE)) {
            CompletableFuture<Integer> waiting = new CompletableFuture<>();
            CompletableFuture<Void> loopFree = new CompletableFuture<>();
            var context = vertx.getOrCreateContext();
            context.runOnContext(
                    ignored -> service.increment("e").subscribe().with(waiting::complete, waiting::completeExceptionally));
            Await.await(() -> manager.stats().queued() == 1, "the Uni waits for the lock");
            // The loop runs another task while the lock is still held: the waiting Uni does not block it.
            context.runOnContext(ignored -> loopFree.complete(null));
            loopFree.get(30, TimeUnit.SECONDS);
            assertTrue(!waiting.isDone());
            held.close();
            assertEquals(1, waiting.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aCompletionStageMethodOnTheEventLoopWaitsWithoutBlockingItAndRunsOnItsContext() throws Exception {
        try (PathLock held = manager.acquire(Path.of("/uni/s"), LockMode.WRITE)) {
            var context = vertx.getOrCreateContext();
            CompletableFuture<Integer> result = new CompletableFuture<>();
            CompletableFuture<Void> returned = new CompletableFuture<>();
            context.runOnContext(ignored -> {
                service.incrementStage("s").whenComplete((value, failure) -> {
                    if (failure != null) {
                        result.completeExceptionally(failure);
                    } else {
                        result.complete(value);
                    }
                });
                returned.complete(null);
            });
            // The call returns while the lock is still held: it did not wait on the event loop.
            returned.get(30, TimeUnit.SECONDS);
            Await.await(() -> manager.stats().queued() == 1, "the stage method waits for the lock");
            assertTrue(!result.isDone());
            held.close();
            assertEquals(1, result.get(10, TimeUnit.SECONDS));
        }
    }
}
