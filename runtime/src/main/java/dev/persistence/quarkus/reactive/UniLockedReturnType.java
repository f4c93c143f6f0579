package dev.persistence.quarkus.reactive;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Singleton;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import dev.persistence.PathLock;
import dev.persistence.cdi.spi.LockedCall;
import dev.persistence.cdi.spi.LockedReturnType;

/*
 * @Locked on methods returning Mutiny's Uni. The returned Uni is lazy, so the lock belongs to the
 * subscription: each subscription requests the lock without blocking, invokes the method once it
 * is granted (so everything the method does — building the pipeline included — runs under the
 * lock, with the lock in its LockContext, which Context Propagation carries into the pipeline's
 * callbacks), and releases it on the item, the failure or the cancellation.
 *
 * A grant that arrives later than the subscription resumes on the subscriber's Vert.x context (its
 * event loop or worker), never on the thread whose release granted it. A cancellation that races
 * with the grant releases the lock: the state machine below decides who owns a granted lock.
 */

/** Holds a {@code @Locked} method's lock for each subscription of the {@link Uni} it returns. */
@Singleton
public class UniLockedReturnType implements LockedReturnType {

    private static final int WAITING = 0, RUNNING = 1, CANCELLED = 2;

    @Override
    public Set<String> supportedTypes() {
        return Set.of(Uni.class.getName());
    }

    @Override
    public Object invoke(LockedCall call) {
        return Uni.createFrom().deferred(() -> subscribe(call));
    }

    private static Uni<Object> subscribe(LockedCall call) {
        CompletableFuture<PathLock> granted = call.acquire();
        AtomicInteger state = new AtomicInteger(WAITING);
        Uni<PathLock> lock = Uni.createFrom().completionStage(granted)
                .onCancellation().invoke(() -> {
                    if (state.compareAndSet(WAITING, CANCELLED) && !granted.cancel(false)) {
                        granted.thenAccept(PathLock::close); // granted in flight: give it back
                    }
                });
        Context context = Vertx.currentContext();
        if (context != null && !granted.isDone()) {
            lock = lock.emitOn(task -> context.runOnContext(ignored -> task.run()));
        }
        return lock.onItem().transformToUni(held -> {
            if (!state.compareAndSet(WAITING, RUNNING)) {
                held.close();
                return Uni.createFrom().nothing();
            }
            return invokeUnder(call, held);
        });
    }

    @SuppressWarnings("unchecked")
    private static Uni<Object> invokeUnder(LockedCall call, PathLock lock) {
        Object result;
        try {
            result = call.proceed(lock);
        } catch (Throwable failure) {
            lock.close();
            return Uni.createFrom().failure(failure);
        }
        if (result == null) {
            lock.close();
            return Uni.createFrom().nullItem();
        }
        return ((Uni<Object>) result).onTermination().invoke(lock::close);
    }
}
