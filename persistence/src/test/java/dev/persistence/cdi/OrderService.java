package dev.persistence.cdi;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.persistence.LockMode;
import dev.persistence.Locked;
import dev.persistence.PersistenceClient;

/** An application bean with @Locked methods, as users write them. */
@ApplicationScoped
public class OrderService {

    static final String DATA = CdiTestSupport.DATA + "/sync";

    private final AtomicInteger invocations = new AtomicInteger();

    public int invocations() {
        return invocations.get();
    }

    @Inject
    PersistenceClient client;

    /** Holds its lock until {@code release} opens, after signalling {@code entered}. */
    @Locked(path = "/orders/{id}")
    public void update(String id, CountDownLatch entered, CountDownLatch release) throws InterruptedException {
        hold(entered, release);
    }

    @Locked(path = "/orders/{0}", mode = LockMode.READ)
    public void view(String id, CountDownLatch entered, CountDownLatch release) throws InterruptedException {
        hold(entered, release);
    }

    private void hold(CountDownLatch entered, CountDownLatch release) throws InterruptedException {
        invocations.incrementAndGet();
        entered.countDown();
        if (!release.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("never released");
        }
    }

    @Locked(path = "${orders.base}/{id}/lines/{line}")
    public void updateLine(String id, String line) {
        invocations.incrementAndGet();
    }

    @Locked(path = "/orders/{id}")
    public void fail(String id) {
        throw new IllegalStateException("business failure");
    }

    @Locked(path = "/orders/{id}")
    public CompletableFuture<String> later(String id, CompletableFuture<String> result) {
        return result;
    }

    /** Client calls on paths the lock covers run inside it without waiting. */
    @Locked(path = "${test.data}/sync/{collection}")
    public String rewrite(String collection) throws IOException {
        Path dir = Path.of(DATA, collection);
        client.writeString(dir.resolve("a.json"), "1");
        client.writeString(dir.resolve("b.json"), client.readString(dir.resolve("a.json")) + "2");
        client.delete(dir.resolve("a.json"));
        return client.readString(dir.resolve("b.json")) + client.collect(dir);
    }
}
