package dev.persistence.quarkus.reactive;

import java.util.Optional;
import java.util.concurrent.Executor;

import jakarta.inject.Singleton;

import dev.persistence.cdi.spi.LockedThreads;
import io.quarkus.runtime.BlockingOperationControl;
import io.quarkus.runtime.BlockingOperationNotAllowedException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Quarkus's view of threads for {@code @Locked}: Vert.x event-loop threads must not block (the
 * same rule, and the same exception, as every blocking Quarkus API), and work resumes on the
 * Vert.x context it started on.
 */
@Singleton
public class VertxLockedThreads implements LockedThreads {

    @Override
    public void checkBlockingAllowed(String what) {
        if (!BlockingOperationControl.isBlockingAllowed()) {
            throw new BlockingOperationNotAllowedException(what + " would block the I/O thread "
                    + Thread.currentThread().getName() + ". Return Uni or CompletionStage to wait without "
                    + "blocking, or run the caller on a worker or virtual thread (@Blocking, @RunOnVirtualThread)");
        }
    }

    @Override
    public boolean isBlockingAllowed() {
        return BlockingOperationControl.isBlockingAllowed();
    }

    @Override
    public Optional<Executor> resumeExecutor() {
        Context context = Vertx.currentContext();
        return context == null ? Optional.empty() : Optional.of(task -> context.runOnContext(ignored -> task.run()));
    }
}
