package dev.persistence.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** Reactive @Locked endpoints over real HTTP: no lost update, no blocked event loop. */
@QuarkusTest
class ReactiveCounterTest {

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

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
    void aFreePathAnswersAtOnceWhileRequestsWaitForABusyOne() throws Exception {
        String busy = "b" + UUID.randomUUID();
        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        waiting.add(http.sendAsync(post("/counters/" + busy + "/hold?ms=3000"), HttpResponse.BodyHandlers.ofString()));
        Thread.sleep(200);
        for (int i = 0; i < 8; i++) {
            waiting.add(http.sendAsync(post("/counters/" + busy + "/hold?ms=1"), HttpResponse.BodyHandlers.ofString()));
        }
        Thread.sleep(300);
        HttpRequest free = HttpRequest.newBuilder(uri("/counters/free" + UUID.randomUUID())).build();
        http.send(free, HttpResponse.BodyHandlers.ofString()); // warm the connection and the code path
        long start = System.nanoTime();
        HttpResponse<String> answer = http.send(free, HttpResponse.BodyHandlers.ofString());
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(200, answer.statusCode());
        System.out.printf("free path answered in %d ms while %d requests waited%n", millis, waiting.size() - 1);
        assertTrue(millis < 1000, "a free path took " + millis + " ms: an event loop was blocked");
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
