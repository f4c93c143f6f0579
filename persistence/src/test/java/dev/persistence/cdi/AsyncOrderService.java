package dev.persistence.cdi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.persistence.LockContext;
import dev.persistence.Locked;
import dev.persistence.PersistenceClient;

/** Asynchronous @Locked methods written the way users write them. */
@ApplicationScoped
public class AsyncOrderService {

    static final String DATA = CdiTestSupport.DATA + "/async";

    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    @Inject
    PersistenceClient client;

    @Inject
    AsyncOrderService self;

    @PreDestroy
    void stop() {
        pool.shutdownNow();
    }

    /** The natural example: the stage's work, on another thread, writes the file the lock covers. */
    @Locked(path = "${test.data}/async/{id}")
    public CompletionStage<Integer> increment(String id) {
        Path file = Path.of(DATA, id, "counter");
        return CompletableFuture.supplyAsync(LockContext.capture().wrap(() -> {
            try {
                int next = (Files.exists(file) ? Integer.parseInt(client.readString(file)) : 0) + 1;
                client.writeString(file, Integer.toString(next));
                return next;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }), pool);
    }

    /** An asynchronous method that finishes when {@code done} does. */
    @Locked(path = "${test.data}/async/{id}/lines/{line}")
    public CompletableFuture<String> line(String id, String line, CompletableFuture<String> done) {
        return done;
    }

    /** An asynchronous method on two paths, which two different locks of its caller may cover. */
    @Locked(path = { "${test.data}/async/{first}/lines/1", "${test.data}/async/{second}/lines/1" })
    public CompletableFuture<String> twoLines(String first, String second, CompletableFuture<String> done) {
        return done;
    }

    /** A synchronous method that starts asynchronous work covered by its own lock, and returns. */
    @Locked(path = "${test.data}/async/{id}")
    public CompletableFuture<String> startLine(String id, CompletableFuture<String> done) {
        return self.line(id, "1", done);
    }

    @Locked(path = "${test.data}/async/{id}", timeout = "50ms")
    public void quick(String id) {
    }
}
