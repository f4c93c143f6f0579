package dev.persistence.cdi;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

import dev.persistence.LockContext;
import dev.persistence.LockMode;
import dev.persistence.Locked;

/**
 * Locks shaped like an application's data: a transfer locking exactly its two accounts, templates
 * relative to the root, placeholders reading a record component and bean getters. The balances
 * are read and written in two steps on purpose: only the lock keeps concurrent transfers apart.
 */
@ApplicationScoped
public class AccountService {

    /** An order, as a REST method receives it. */
    public record Order(String customer, String id) {
    }

    /** A request holding an order, read through bean getters. */
    public static class PlaceOrder {
        private final Order order;

        public PlaceOrder(Order order) {
            this.order = order;
        }

        public Order getOrder() {
            return order;
        }
    }

    private final Map<String, Long> balances = new ConcurrentHashMap<>();
    private final AtomicInteger invocations = new AtomicInteger();

    public void open(String account, long balance) {
        balances.put(account, balance);
    }

    public long balance(String account) {
        return balances.get(account);
    }

    public int invocations() {
        return invocations.get();
    }

    @Locked(path = { "accounts/{from}", "accounts/{to}" })
    public void transfer(String from, String to, long amount) {
        move(from, to, amount);
    }

    /** {@link #transfer} that finishes on another thread, holding both accounts until it does. */
    @Locked(path = { "accounts/{from}", "accounts/{to}" })
    public CompletionStage<Void> transferLater(String from, String to, long amount) {
        return CompletableFuture.runAsync(() -> move(from, to, amount));
    }

    private void move(String from, String to, long amount) {
        invocations.incrementAndGet();
        long source = balances.get(from);
        Thread.yield(); // widen the window a missing lock would lose an update in
        balances.put(from, source - amount);
        long target = balances.get(to);
        Thread.yield();
        balances.put(to, target + amount);
    }

    /** Holds both accounts until {@code release} opens, after signalling {@code entered}. */
    @Locked(path = { "accounts/{from}", "accounts/{to}" })
    public void holdBoth(String from, String to, CountDownLatch entered, CountDownLatch release)
            throws InterruptedException {
        hold(entered, release);
    }

    @Locked(path = "shapes/{id}")
    public void holdRelative(String id, CountDownLatch entered, CountDownLatch release) throws InterruptedException {
        hold(entered, release);
    }

    @Locked(path = "${persistence.root}/shapes/{id}")
    public void holdAbsolute(String id, CountDownLatch entered, CountDownLatch release) throws InterruptedException {
        hold(entered, release);
    }

    /** The paths of {@code candidates} this call's lock covers. */
    @Locked(path = "/orders/{order.customer}/{order.id}")
    public List<Path> place(Order order, List<Path> candidates) {
        return covered(candidates);
    }

    @Locked(path = "/customers/{request.order.customer}")
    public List<Path> placeRequest(PlaceOrder request, List<Path> candidates) {
        return covered(candidates);
    }

    /** Duplicates and a path covering another: one lock on {@code /folded}. */
    @Locked(path = { "/folded/{id}", "/folded", "/folded/{id}" })
    public List<Path> folded(String id, List<Path> candidates) {
        return covered(candidates);
    }

    private List<Path> covered(List<Path> candidates) {
        invocations.incrementAndGet();
        return candidates.stream().filter(path -> LockContext.covers(path, LockMode.WRITE)).toList();
    }

    private void hold(CountDownLatch entered, CountDownLatch release) throws InterruptedException {
        invocations.incrementAndGet();
        entered.countDown();
        if (!release.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("never released");
        }
    }
}
