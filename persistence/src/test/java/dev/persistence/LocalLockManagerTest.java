package dev.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;

import dev.persistence.spi.PathRules;
import dev.persistence.testsupport.HoldRegistry;

/** Runs the lock manager contract against the in-process implementation, plus its own striping. */
class LocalLockManagerTest extends LockManagerContract {

    @Override
    protected LockManager newManager() {
        return LockManager.create();
    }

    /**
     * The in-process manager keeps one tree per stripe (by a path's first two names) with a
     * lock-free fast path into an empty stripe. Threads on paths of different stripes, requests
     * that span every stripe (the root, one-name paths) and multi-path requests across stripes
     * must still never hold conflicting locks at once, and must leave the manager idle.
     */
    @Test
    void stripesFastPathsAndSpanningRequestsNeverOverlap() throws Exception {
        String[] paths = { "/", "/p", "/p/a", "/p/a/x", "/p/b", "/p/b/y/z", "/p/c", "/q", "/q/a", "/q/a/x", "/r/s/t" };
        HoldRegistry registry = new HoldRegistry();
        AtomicInteger single = new AtomicInteger(), multi = new AtomicInteger();
        int singles = 50_000, multis = 5_000;
        runWorkers(4, () -> single.get() >= singles && multi.get() >= multis, random -> {
            String one = paths[random.nextInt(paths.length)];
            String two = paths[random.nextInt(paths.length)];
            boolean write = random.nextInt(100) < 30 && !one.equals("/") && !two.equals("/");
            LockMode mode = write ? LockMode.WRITE : LockMode.READ;
            if (random.nextInt(4) == 0) {
                // Two related paths of one request are one hold: the one above covers the other.
                boolean related = PathRules.related(p(one), p(two));
                String covering = one.length() <= two.length() ? one : two;
                try (PathLock lock = manager.acquireAll(List.of(p(one), p(two)), mode)) {
                    HoldRegistry.Hold first = registry.enter(related ? covering : one, mode);
                    HoldRegistry.Hold second = related ? null : registry.enter(two, mode);
                    Thread.onSpinWait();
                    if (second != null) {
                        registry.exit(second);
                    }
                    registry.exit(first);
                    assertTrue(lock.isHeld());
                }
                multi.incrementAndGet();
            } else {
                try (PathLock lock = manager.acquire(p(one), mode)) {
                    HoldRegistry.Hold hold = registry.enter(one, mode);
                    Thread.onSpinWait();
                    registry.exit(hold);
                    assertTrue(lock.isHeld());
                }
                single.incrementAndGet();
            }
        });
        assertEquals(List.of(), registry.violations(), "conflicting holds overlapped");
        assertTrue(single.get() >= singles && multi.get() >= multis,
                "within " + WORK_CAP + ": " + single + " single, " + multi + " multi");
        awaitIdle();
    }

    /**
     * Up to FAST_SLOTS requests of one stripe hold it at once without its tree, as long as they
     * do not conflict. Threads in ONE stripe (every path under /f/k, plus /f now and then, which
     * spans every stripe and forces the fast holders into the tree) must never hold conflicting
     * locks at once, and each grant's fencing token must exceed the token of every conflicting
     * grant before it (fast holders number themselves after their CAS, adopters before them).
     */
    @Test
    void fastHoldersOfOneStripeNeverConflictAndTokensGrow() throws Exception {
        String[] paths = { "/f/k", "/f/k/a", "/f/k/a/b", "/f/k/b", "/f/k/b/c", "/f/k/c", "/f/k/c/d/e" };
        HoldRegistry registry = new HoldRegistry();
        // Per path and mode, the highest token granted so far; read and written under its monitor.
        Map<String, long[]> highest = new HashMap<>();
        List<String> tokenViolations = new ArrayList<>();
        AtomicInteger grants = new AtomicInteger();
        int work = 50_000;
        runWorkers(6, () -> grants.get() >= work, random -> {
            boolean spanning = random.nextInt(50) == 0;
            String path = spanning ? "/f" : paths[random.nextInt(paths.length)];
            LockMode mode = !spanning && random.nextInt(100) < 20 ? LockMode.WRITE : LockMode.READ;
            try (PathLock lock = manager.acquire(p(path), mode)) {
                HoldRegistry.Hold hold = registry.enter(path, mode);
                synchronized (highest) {
                    long token = lock.fencingToken();
                    for (Map.Entry<String, long[]> earlier : highest.entrySet()) {
                        if (!PathRules.related(p(earlier.getKey()), p(path))) {
                            continue;
                        }
                        long[] byMode = earlier.getValue(); // [READ, WRITE]
                        long bound = mode == LockMode.WRITE ? Math.max(byMode[0], byMode[1]) : byMode[1];
                        if (token <= bound && tokenViolations.size() < 20) {
                            tokenViolations.add(mode + " " + path + " token " + token
                                    + " after a conflicting grant on " + earlier.getKey() + " with " + bound);
                        }
                    }
                    long[] mine = highest.computeIfAbsent(path, k -> new long[2]);
                    int m = mode == LockMode.WRITE ? 1 : 0;
                    mine[m] = Math.max(mine[m], token);
                }
                for (int spin = random.nextInt(4); spin > 0; spin--) {
                    Thread.onSpinWait();
                }
                registry.exit(hold);
            }
            grants.incrementAndGet();
        });
        assertEquals(List.of(), registry.violations(), "conflicting holds overlapped");
        assertEquals(List.of(), tokenViolations, "fencing tokens went backwards");
        assertTrue(grants.get() >= work, "within " + WORK_CAP + ": " + grants + " grants");
        awaitIdle();
    }

    /**
     * Arrival numbers (fencing tokens) live in a 47-bit counter in each stripe's state word plus
     * a base: near the counter's end the fast path steps aside and the base absorbs the counter,
     * so tokens keep growing. Set every stripe's counter to a few below its end (white box, by
     * reflection) and take conflicting locks through the fast path, the tree and across stripes.
     */
    @Test
    void fencingTokensKeepGrowingPastTheCountersEnd() throws Exception {
        Field wordsField = manager.getClass().getDeclaredField("words");
        wordsField.setAccessible(true);
        long[] words = (long[]) wordsField.get(manager);
        int shift = LocalLockManager.FAST_SLOTS + 1;
        long nearEnd = (-1L >>> shift) - 3L;
        for (int i = 0; i < words.length; i++) {
            words[i] = i % 8 == 0 ? nearEnd << shift : 0L; // every state word (its base stays 0)
        }
        long last = nearEnd;
        for (int round = 0; round < 12; round++) {
            PathLock lock = switch (round % 3) {
                case 0 -> manager.acquire(p("/t/a/b"), LockMode.WRITE); // fast path
                case 1 -> manager.acquireAll(List.of(p("/t/a"), p("/t/a/c")), LockMode.WRITE); // tree
                default -> manager.acquire(p("/t"), LockMode.WRITE); // spans every stripe
            };
            try (lock) {
                assertTrue(lock.fencingToken() > last,
                        "token " + lock.fencingToken() + " after " + last + " in round " + round);
                last = lock.fencingToken();
            }
        }
        assertTrue(last > (-1L >>> shift), "never went past the counter's end: " + last);
        awaitIdle();
    }

    /** How long a stress run may take to do its work before it stops: far more than it needs. */
    private static final Duration WORK_CAP = Duration.ofSeconds(30);

    /** One step of a stress worker; runs again and again until the run's work is done. */
    private interface WorkerStep {
        void run(ThreadLocalRandom random) throws Exception;
    }

    /**
     * Runs {@code step} on {@code count} threads until {@code done} (or {@link #WORK_CAP} has
     * passed: the caller then finds its work undone); fails if a worker threw or is still stuck
     * 30 seconds later.
     */
    private void runWorkers(int count, BooleanSupplier done, WorkerStep step) throws InterruptedException {
        long cap = System.nanoTime() + WORK_CAP.toNanos(); // a guard against a hang, not a measurement
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < count; w++) {
            Thread worker = new Thread(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                try {
                    while (!done.getAsBoolean() && System.nanoTime() - cap < 0L) {
                        step.run(random);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) {
            worker.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(worker.isAlive(), "a worker is stuck: " + manager.stats());
        }
        assertEquals(null, failure.get(), "a worker failed");
    }
}
