package dev.persistence.quarkus.reactive;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.Locked;
import dev.persistence.PathLock;
import dev.persistence.cdi.LockedInterceptor;
import dev.persistence.cdi.PersistenceProducers;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * A {@code @Locked} {@code Uni} whose grant races its subscription's cancellation (issue 18): the
 * real interceptor (its own {@code LockedCall}) and {@link UniLockedReturnType} in a Weld
 * container, outside Quarkus. Each race subscribes to a call waiting behind a holder, then one
 * thread releases the holder (granting the call on that thread) while another cancels the
 * subscription, each after a random spin so that every interleaving comes up. Whichever wins,
 * the call's lock must be released exactly once and the method body must run at most once.
 * Every race locks its own path, so a leaked lock shows as one more active writer at the end.
 *
 * <p>
 * Runs {@value #DEFAULT_RACES} races per path in {@code mvn verify} (seconds); a longer run:
 * {@code -Dpersistence.races=100000} (per path: the direct path and the Vert.x-context path).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class UniLockRaceTest {

    static final int DEFAULT_RACES = 2_000;
    private static final int RACES = Integer.getInteger("persistence.races", DEFAULT_RACES);
    /** The longest random spin before each side acts: wider than the grant's path through Mutiny. */
    private static final int MAX_SPINS = 400;

    private static WeldContainer container;
    private static Vertx vertx;

    @BeforeAll
    static void start() {
        container = new Weld().disableDiscovery()
                .addBeanClasses(PersistenceProducers.class, LockedInterceptor.class, UniLockedReturnType.class,
                        RaceService.class, TestConfig.class)
                .initialize();
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() throws Exception {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        if (container != null) {
            container.close();
        }
    }

    @Test
    void aGrantRacingACancellationOnTheCallersThreadNeverLeaksTheLock() throws Exception {
        assertNoLeak(race(null), "direct");
    }

    @Test
    void aGrantRacingACancellationOnAVertxContextNeverLeaksTheLock() throws Exception {
        assertNoLeak(race(vertx.getOrCreateContext()), "Vert.x context");
    }

    private static void assertNoLeak(Outcome outcome, String path) {
        System.out.println("UniLockRaceTest " + path + ": " + outcome);
        assertEquals(0, outcome.bodiesRunTwice, "a subscription ran the method body twice: " + outcome);
        assertEquals(0, outcome.leaked, "locks left held with no owner: " + outcome);
    }

    /** Counts of one run of races. */
    record Outcome(int races, int items, int bodies, int bodiesRunTwice, int leaked) {
    }

    private Outcome race(Context context) throws Exception {
        LockManager manager = container.select(LockManager.class).get();
        RaceService service = container.select(RaceService.class).get();
        int base = RaceService.NEXT.getAndAdd(RACES);
        AtomicInteger items = new AtomicInteger();
        Releaser releaser = new Releaser();
        releaser.start();
        try {
            for (int i = 0; i < RACES; i++) {
                int id = base + i;
                // In no thread's context: the call must queue behind it, not nest in it.
                PathLock holder = manager.acquireAsync(Path.of("/race/" + id), LockMode.WRITE).get(10, TimeUnit.SECONDS);
                Uni<Integer> call = service.locked(id);
                Cancellable subscription;
                if (context == null) {
                    subscription = call.subscribe().with(item -> items.incrementAndGet(), failure -> {
                    });
                } else {
                    CompletableFuture<Cancellable> subscribed = new CompletableFuture<>();
                    context.runOnContext(ignored -> subscribed.complete(
                            call.subscribe().with(item -> items.incrementAndGet(), failure -> {
                            })));
                    subscription = subscribed.get(10, TimeUnit.SECONDS);
                }
                releaser.release(holder);
                spin();
                subscription.cancel();
                releaser.awaitReleased();
            }
        } finally {
            releaser.finish();
        }
        if (context != null) {
            // Work the grants handed to the context runs before this (a context runs its tasks in order).
            CompletableFuture<Void> drained = new CompletableFuture<>();
            context.runOnContext(ignored -> drained.complete(null));
            drained.get(30, TimeUnit.SECONDS);
        }
        int twice = 0, bodies = 0;
        for (int i = 0; i < RACES; i++) {
            int runs = RaceService.RUNS.getOrDefault(base + i, 0);
            bodies += runs;
            twice += runs > 1 ? 1 : 0;
        }
        return new Outcome(RACES, items.get(), bodies, twice, manager.stats().activeWriters());
    }

    private static void spin() {
        for (int spins = ThreadLocalRandom.current().nextInt(MAX_SPINS); spins > 0; spins--) {
            Thread.onSpinWait();
        }
    }

    /** Spins a little, then yields: on a busy machine a spinning waiter would hold the core its peer needs. */
    private static void idle(int waits) {
        if (waits < 1_000) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    /** A thread that closes the holder it is handed after a random spin: the grant happens on it. */
    private static final class Releaser extends Thread {
        private volatile PathLock handed;
        private volatile boolean finished;

        Releaser() {
            super("uni-race-releaser");
            setDaemon(true);
        }

        void release(PathLock holder) {
            handed = holder;
        }

        void awaitReleased() {
            for (int waits = 0; handed != null; waits++) {
                idle(waits);
            }
        }

        void finish() throws InterruptedException {
            finished = true;
            join(TimeUnit.SECONDS.toMillis(30));
        }

        @Override
        public void run() {
            for (int waits = 0; !finished; waits++) {
                PathLock holder = handed;
                if (holder == null) {
                    idle(waits);
                    continue;
                }
                waits = 0;
                spin();
                holder.close();
                handed = null;
            }
        }
    }

    /** The bean under test: records how often each call's body ran. */
    @ApplicationScoped
    public static class RaceService {
        static final AtomicInteger NEXT = new AtomicInteger();
        static final Map<Integer, Integer> RUNS = new ConcurrentHashMap<>();

        @Locked(path = "/race/{id}")
        public Uni<Integer> locked(int id) {
            RUNS.merge(id, 1, Integer::sum);
            return Uni.createFrom().item(id);
        }
    }

    /** MicroProfile Config for the library's beans (defaults only). */
    @Singleton
    public static class TestConfig {
        @Produces
        @Singleton
        Config config() {
            return ConfigProvider.getConfig();
        }
    }
}
