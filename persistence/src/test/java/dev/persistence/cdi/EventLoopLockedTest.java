package dev.persistence.cdi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.se.SeContainer;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.Locked;
import dev.persistence.PathLock;
import dev.persistence.cdi.spi.LockedThreads;
import dev.persistence.testsupport.Await;

/**
 * Asynchronous {@code @Locked} calls as an event loop makes them (no thread may block), over a
 * lock manager without pinned holds (issue 18): every wait ends within its bound, and a caller
 * that gives up on the result before the grant leaves no lock and runs no body.
 */
@ParameterizedClass
@EnumSource(CdiTestSupport.Implementation.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EventLoopLockedTest {

    private final CdiTestSupport.Implementation cdi;
    private SeContainer container;
    private LoopService service;
    private LockManager manager;

    EventLoopLockedTest(CdiTestSupport.Implementation cdi) {
        this.cdi = cdi;
    }

    @BeforeEach
    void start() {
        container = cdi.start(Map.of(), LoopService.class, EventLoopThreads.class, UnpinnedManagerProducer.class);
        service = container.select(LoopService.class).get();
        manager = container.select(LockManager.class).get();
    }

    @AfterEach
    void stop() {
        container.close();
    }

    @Test
    void aNestedStageCallInsideItsCallersLockIsRefusedAtOnceByAManagerWithoutPinnedHolds() {
        CompletableFuture<String> done = new CompletableFuture<>();
        IllegalStateException refused = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(IllegalStateException.class, () -> service.outer("n", done)),
                "the nested call waited on its caller's own lock");
        assertTrue(refused.getMessage().contains("Deadlock refused"), refused.getMessage());
        assertTrue(refused.getMessage().contains("has no pinned holds in the locks that cover it"), refused.getMessage());
        assertTrue(manager.stats().idle(), "lock left behind: " + manager.stats());
    }

    @Test
    void aResultCancelledBeforeTheGrantWithdrawsTheRequestAndNeverRunsTheBody() throws Exception {
        int before = LoopService.BODIES.get();
        PathLock holder = manager.acquireAsync(Path.of("/loop/c"), LockMode.WRITE).get(10, TimeUnit.SECONDS);
        CompletableFuture<String> call = service.line("c", new CompletableFuture<>());
        assertFalse(call.isDone(), "granted although /loop/c was held");
        call.cancel(false);
        holder.close();
        Await.await(() -> manager.stats().idle(), "no lock left, but " + manager.stats());
        assertEquals(before, LoopService.BODIES.get(), "the body of a cancelled call ran");
    }

    /** Stage-returning @Locked methods. */
    @ApplicationScoped
    public static class LoopService {
        static final AtomicInteger BODIES = new AtomicInteger();

        @Inject
        LoopService self;

        @Locked(path = "/loop/{id}")
        public CompletableFuture<String> line(String id, CompletableFuture<String> done) {
            BODIES.incrementAndGet();
            return done;
        }

        @Locked(path = "/loop/{id}")
        public CompletableFuture<String> outer(String id, CompletableFuture<String> done) {
            return self.line(id, done);
        }
    }

    /** An event loop's rules: no thread may block, work resumes where the grant happens. */
    @Singleton
    public static class EventLoopThreads implements LockedThreads {
        @Override
        public void checkBlockingAllowed(String what) {
            throw new IllegalStateException(what + " would block an event loop");
        }

        @Override
        public boolean isBlockingAllowed() {
            return false;
        }

        @Override
        public Optional<Executor> resumeExecutor() {
            return Optional.empty();
        }
    }

    /** The in-process manager behind a facade that has no pinned holds (it keeps the interface's default). */
    @Alternative
    @Priority(1)
    @Dependent
    public static class UnpinnedManagerProducer {
        @Produces
        @Alternative
        @Singleton
        LockManager manager() {
            return new ForwardingLockManager(LockManager.create());
        }
    }
}
