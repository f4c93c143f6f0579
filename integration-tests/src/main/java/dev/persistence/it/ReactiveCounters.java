package dev.persistence.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.persistence.LockMode;
import dev.persistence.Locked;
import dev.persistence.PersistenceClient;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Counters written the way reactive Quarkus code is: a {@code Uni} pipeline whose blocking file
 * work runs on a worker thread. The lock belongs to the subscription, and Context Propagation
 * carries it to the worker, where the client calls on the covered file run inside it.
 */
@ApplicationScoped
public class ReactiveCounters {

    @Inject
    PersistenceClient client;

    @Locked(path = "${persistence.root}/counters/{id}")
    public Uni<Integer> increment(String id) {
        Path file = file(id);
        return Uni.createFrom().item(() -> read(file) + 1)
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .invoke(next -> write(file, next));
    }

    /** Holds the counter's lock for {@code millis} without blocking any thread. */
    @Locked(path = "${persistence.root}/counters/{id}")
    public Uni<Integer> hold(String id, long millis) {
        return Uni.createFrom().item(millis).onItem().delayIt().by(Duration.ofMillis(millis)).replaceWith(0);
    }

    @Locked(path = "${persistence.root}/counters/{id}", mode = LockMode.READ)
    public Uni<Integer> get(String id) {
        return Uni.createFrom().item(() -> read(file(id))).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private Path file(String id) {
        return client.root().orElseThrow().resolve("counters").resolve(id).resolve("value");
    }

    private int read(Path file) {
        try {
            return Files.exists(file) ? Integer.parseInt(client.readString(file)) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void write(Path file, int value) {
        try {
            client.writeString(file, Integer.toString(value));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
