package dev.persistence.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.PathLock;
import dev.persistence.PersistenceClient;
import dev.persistence.testsupport.Await;
import io.quarkus.test.junit.QuarkusTest;

/** Reactive @Locked endpoints over real HTTP: no lost update, no blocked event loop. */
@QuarkusTest
class ReactiveCounterTest {

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    @Inject
    LockManager manager;

    @Inject
    PersistenceClient client;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void fiftyConcurrentUniIncrementsOverHttpLoseNothing() throws Exception {
        String id = "n" + UUID.randomUUID();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            calls.add(http.sendAsync(post("/counters/" + id + "/increment"), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            assertEquals(200, call.get(60, TimeUnit.SECONDS).statusCode());
        }
        HttpResponse<String> value = http.send(HttpRequest.newBuilder(uri("/counters/" + id)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("50", value.body(), "lost updates");
    }

    @Test
    void aFreePathAnswersWhileRequestsWaitForABusyOne() throws Exception {
        String busy = "b" + UUID.randomUUID();
        // More waiting requests than event loops (two a core by default): if waiting took a loop, none would be left.
        int waiters = 2 * Runtime.getRuntime().availableProcessors() + 1;
        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        // The test holds the busy counter's lock, so the requests wait until it lets go, however slow the machine.
        try (PathLock held = manager.acquire(client.root().orElseThrow().resolve("counters").resolve(busy), LockMode.WRITE)) {
            for (int i = 0; i < waiters; i++) {
                waiting.add(http.sendAsync(post("/counters/" + busy + "/hold?ms=1"), HttpResponse.BodyHandlers.ofString()));
            }
            Await.await(() -> manager.stats().queued() == waiters, Duration.ofSeconds(60), waiters + " requests queued");
            HttpRequest free = HttpRequest.newBuilder(uri("/counters/free" + UUID.randomUUID())).build();
            HttpResponse<String> answer = http.sendAsync(free, HttpResponse.BodyHandlers.ofString()).get(60, TimeUnit.SECONDS);
            assertEquals(200, answer.statusCode());
            assertTrue(waiting.stream().noneMatch(CompletableFuture::isDone), "a request did not wait for the busy path");
        }
        for (CompletableFuture<HttpResponse<String>> call : waiting) {
            assertEquals(200, call.get(60, TimeUnit.SECONDS).statusCode());
        }
    }

    private HttpRequest post(String path) {
        return HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()).build();
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }
}
