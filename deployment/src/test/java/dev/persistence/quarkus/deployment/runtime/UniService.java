package dev.persistence.quarkus.deployment.runtime;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

import dev.persistence.LockMode;
import dev.persistence.Locked;
import io.smallrye.mutiny.Uni;

/**
 * Reactive @Locked methods as Quarkus users write them. This test module is compiled without
 * {@code -parameters}: the {id} placeholders resolve through the names recorded at build time.
 */
@ApplicationScoped
public class UniService {

    private final ConcurrentHashMap<String, Integer> counters = new ConcurrentHashMap<>();
    private final AtomicInteger invocations = new AtomicInteger();

    public Integer counter(String id) {
        return counters.get(id);
    }

    public int invocations() {
        return invocations.get();
    }

    /** A read-modify-write that yields between the read and the write: loses updates without its lock. */
    @Locked(path = "/uni/{id}")
    public Uni<Integer> increment(String id) {
        invocations.incrementAndGet();
        int read = counters.getOrDefault(id, 0);
        return Uni.createFrom().item(read + 1)
                .onItem().delayIt().by(Duration.ofMillis(2))
                .invoke(next -> counters.put(id, next));
    }

    /** Completes when {@code release} does. */
    @Locked(path = "/uni/{id}")
    public Uni<String> hold(String id, CompletableFuture<String> release) {
        invocations.incrementAndGet();
        return Uni.createFrom().completionStage(release);
    }

    /** A CompletionStage method: on an event loop it must wait for its lock without blocking. */
    @Locked(path = "/uni/{id}")
    public CompletionStage<Integer> incrementStage(String id) {
        invocations.incrementAndGet();
        int next = counters.getOrDefault(id, 0) + 1;
        counters.put(id, next);
        return CompletableFuture.completedFuture(next);
    }

    /**
     * Moves one from {@code from} to {@code to}, reading both before a delay and writing both
     * after it: without both accounts locked together, concurrent transfers create or lose money.
     */
    @Locked(path = { "/uni/accounts/{from}", "/uni/accounts/{to}" })
    public Uni<Void> transfer(String from, String to) {
        invocations.incrementAndGet();
        int source = counters.getOrDefault(from, 0), target = counters.getOrDefault(to, 0);
        return Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofMillis(1))
                .invoke(() -> {
                    counters.put(from, source - 1);
                    counters.put(to, target + 1);
                });
    }

    @Locked(path = "/uni/{id}", mode = LockMode.READ)
    public String readNow(String id) {
        return String.valueOf(counters.get(id));
    }
}
