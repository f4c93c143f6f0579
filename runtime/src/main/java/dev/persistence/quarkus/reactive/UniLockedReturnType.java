package dev.persistence.quarkus.reactive;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import jakarta.inject.Singleton;

import dev.persistence.PathLock;
import dev.persistence.cdi.spi.LockedCall;
import dev.persistence.cdi.spi.LockedReturnType;
import dev.persistence.spi.AsyncGrant;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/** Holds a {@code @Locked} method's lock for each subscription of the {@link Uni} it returns. */
@Singleton
public class UniLockedReturnType implements LockedReturnType {

    /*
     * @Locked on methods returning Mutiny's Uni. The returned Uni is lazy, so the lock belongs to the
     * subscription: each subscription requests the lock without blocking, invokes the method once it
     * is granted (so everything the method does — building the pipeline included — runs under the
     * lock, with the lock in its LockContext, which Context Propagation carries into the pipeline's
     * callbacks), and releases it on the item, the failure or the cancellation.
     *
     * Who owns the lock is decided here, not by the order of Mutiny operators: a grant and a
     * cancellation may cross on two threads, and an item that has passed one operator can still be
     * dropped by the next one if the subscriber cancelled meanwhile (which once leaked the lock). So
     * the subscription is an emitter whose every event goes through one AsyncGrant: the grant runs
     * the method only if it comes first (claim), the cancellation withdraws the request only if it
     * comes first (cancel), and the loser of the race releases whatever the winner left. Once the
     * method runs, its Uni's termination — item, failure or cancellation — releases the lock, once.
     *
     * A grant that arrives later than the subscription resumes on the subscriber's Vert.x context (its
     * event loop or worker), never on the thread whose release granted it.
     */

    @Override
    public Set<String> supportedTypes() {
        return Set.of(Uni.class.getName());
    }

    @Override
    public Object invoke(LockedCall call) {
        return Uni.createFrom().emitter(emitter -> new Subscription(call, emitter).start());
    }

    /** One subscription: its lock request, the race of its grant with its cancellation, its work. */
    private static final class Subscription {
        private final LockedCall call;
        private final UniEmitter<? super Object> emitter;
        private final CompletableFuture<PathLock> request;
        private final AsyncGrant grant;
        /** The method's own Uni, once it runs; cancelled with the subscription. */
        private volatile Cancellable work;
        private volatile boolean terminated;

        Subscription(LockedCall call, UniEmitter<? super Object> emitter) {
            this.call = call;
            this.emitter = emitter;
            this.request = call.acquire();
            this.grant = new AsyncGrant(request);
        }

        void start() {
            emitter.onTermination(this::terminated);
            Context context = request.isDone() ? null : Vertx.currentContext();
            request.whenComplete((lock, failure) -> {
                if (failure != null) {
                    emitter.fail(failure instanceof CompletionException && failure.getCause() != null
                            ? failure.getCause()
                            : failure);
                } else if (context == null) {
                    run(lock);
                } else {
                    context.runOnContext(ignored -> run(lock));
                }
            });
        }

        /** The lock was granted: runs the method under it, unless the subscription was cancelled first. */
        @SuppressWarnings("unchecked")
        private void run(PathLock lock) {
            if (!grant.claim(lock)) {
                return; // cancelled first: claim() released the lock
            }
            Object result;
            try {
                result = call.proceed(lock);
            } catch (Throwable failure) {
                lock.close();
                emitter.fail(failure);
                return;
            }
            if (result == null) {
                lock.close();
                emitter.complete(null);
                return;
            }
            work = ((Uni<Object>) result).onTermination().invoke(lock::close)
                    .subscribe().with(emitter::complete, emitter::fail);
            if (terminated) {
                work.cancel(); // cancelled while the method ran; does nothing once it completed
            }
        }

        /** The subscription ended: by the item or failure sent above, or by the subscriber's cancellation. */
        private void terminated() {
            terminated = true;
            if (!grant.cancel()) {
                Cancellable running = work;
                if (running != null) {
                    running.cancel(); // releases through the method's Uni's termination
                }
            }
        }
    }
}
