package dev.persistence.payara;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import dev.persistence.PathRefusedException;
import dev.persistence.testsupport.Await;

/**
 * The same WAR and the same checks on each Payara Micro (a subclass per server), on loopback with
 * phone-home off: the WAR carries no Quarkus jar, the beans inject, {@code @Locked} serialises
 * concurrent increments, the readiness check is served, and a refused request is a 400 whose body
 * names no path (the portable exception mappers, registered by the WAR's {@code @Provider} subclass).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
abstract class PayaraSmoke {

    private static final Path TARGET = Path.of("target");
    /** How long a server may take to start: a guard against a hang, generous for a loaded machine. */
    private static final Duration STARTUP_CAP = Duration.ofMinutes(10);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Process payara;
    private Path data;
    private int port;

    /** The server's jar in {@code target} (copied there by the pom). */
    abstract String payaraJar();

    /** The {@code java} to run the server with; a subclass without one aborts its tests with the reason. */
    abstract Path java();

    @BeforeAll
    @Timeout(value = 11, unit = TimeUnit.MINUTES)
    void deploy() throws Exception {
        Path java = java();
        data = Files.createTempDirectory("payara-data");
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path log = TARGET.resolve(payaraJar().replace(".jar", ".log"));
        payara = new ProcessBuilder(java.toString(), "-Xmx768m", "-Dhazelcast.phone.home.enabled=false",
                "-Dpersistence.root=" + data, "-Dpersistence.durable=true", "-Dpersistence.lock-timeout=30s",
                "-jar", TARGET.resolve(payaraJar()).toString(),
                "--nocluster", "--disablephonehome", "--port", Integer.toString(port),
                "--deploy", TARGET.resolve("app.war").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        // Polling a starting server: nothing to wait on but its port. It starts slowly on a busy machine.
        Await.await(() -> {
            assertTrue(payara.isAlive(), "Payara exited; see " + log);
            return isReady();
        }, STARTUP_CAP, "Payara to be ready; see " + log);
    }

    private boolean isReady() {
        try {
            return get("/health/ready").statusCode() == 200;
        } catch (IOException notYet) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @AfterAll
    void undeploy() throws Exception {
        if (payara != null) {
            payara.destroy();
            if (!payara.waitFor(30, TimeUnit.SECONDS)) {
                payara.destroyForcibly();
            }
        }
        if (data != null) {
            try (var files = Files.walk(data)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
    }

    @Test
    void theWarCarriesNoQuarkusJar() throws IOException {
        List<String> libs = new ArrayList<>();
        try (ZipFile war = new ZipFile(TARGET.resolve("app.war").toFile())) {
            war.stream().map(e -> e.getName()).filter(n -> n.startsWith("WEB-INF/lib/") && n.endsWith(".jar"))
                    .forEach(libs::add);
        }
        assertEquals(List.of("WEB-INF/lib/persistence-1.0.0-SNAPSHOT.jar"), libs);
    }

    @Test
    void lockedIncrementsLoseNoUpdate() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            calls.add(HTTP.sendAsync(HttpRequest.newBuilder(uri("/app/api/counters/hits"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> response = call.get(60, TimeUnit.SECONDS);
            assertEquals(200, response.statusCode(), response.body());
        }
        assertEquals("30", Files.readString(data.resolve("hits")));
    }

    @Test
    void theReadinessCheckIsServed() throws Exception {
        HttpResponse<String> health = get("/health/ready");
        assertEquals(200, health.statusCode());
        assertTrue(health.body().contains("\"persistence\"") && health.body().contains("queued"), health.body());
    }

    @Test
    void aValueThatIsNotOneSegmentIs400NamingNoPath() throws Exception {
        for (String bad : List.of("..", "a/b", ".")) {
            HttpResponse<String> refused = send(HttpRequest.newBuilder(uri("/app/api/counters?name=" + encode(bad)))
                    .POST(HttpRequest.BodyPublishers.noBody()));
            assertRefused(refused, PathRefusedException.Reason.NOT_A_SEGMENT, bad);
        }
    }

    @Test
    void aNameThatEscapesTheRootIs400NamingNoPath() throws Exception {
        HttpResponse<String> refused = send(HttpRequest.newBuilder(uri("/app/api/notes?name=" + encode("../../escaped")))
                .header("Content-Type", "text/plain").PUT(HttpRequest.BodyPublishers.ofString("x")));
        assertRefused(refused, PathRefusedException.Reason.NOT_NORMAL, "../../escaped");
        assertFalse(Files.exists(data.getParent().resolve("escaped")));
    }

    /** 400 with exactly the reason's public message: no path, no stack trace, nothing of the server's. */
    private void assertRefused(HttpResponse<String> response, PathRefusedException.Reason reason, String value) {
        assertEquals(400, response.statusCode(), value + ": " + response.body());
        assertEquals(reason.publicMessage(), response.body(), value);
        assertFalse(response.body().contains(data.toString()), response.body());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
