package dev.persistence.payara;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The library in a real Payara Micro 6 (Weld 5.1, CDI 4.0, Interceptors 2.1), on loopback with
 * phone-home off: the WAR carries no Quarkus jar, the beans inject, {@code @Locked} serialises
 * concurrent increments, and the readiness check is served.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PayaraSmokeIT {

    private static final Path TARGET = Path.of("target");
    private static Process payara;
    private static Path data;
    private static int port;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void deploy() throws Exception {
        data = Files.createTempDirectory("payara-data");
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        payara = new ProcessBuilder(java, "-Xmx768m", "-Dhazelcast.phone.home.enabled=false",
                "-Dpersistence.root=" + data, "-Dpersistence.durable=true", "-Dpersistence.lock-timeout=30s",
                "-jar", TARGET.resolve("payara-micro.jar").toString(),
                "--nocluster", "--disablephonehome", "--port", Integer.toString(port),
                "--deploy", TARGET.resolve("app.war").toString())
                .redirectErrorStream(true).redirectOutput(TARGET.resolve("payara.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            assertTrue(payara.isAlive(), "Payara exited; see target/payara.log");
            try {
                if (get("/health/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            assertTrue(System.nanoTime() < deadline, "Payara not ready within 120 s; see target/payara.log");
            Thread.sleep(500); // polling a starting server: nothing to wait on but its port
        }
    }

    @AfterAll
    static void undeploy() throws Exception {
        if (payara != null) {
            payara.destroy();
            if (!payara.waitFor(30, TimeUnit.SECONDS)) {
                payara.destroyForcibly();
            }
        }
        try (var files = Files.walk(data)) {
            for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    @Test
    void theWarCarriesNoQuarkusJar() throws IOException {
        List<String> libs = new ArrayList<>();
        try (ZipFile war = new ZipFile(TARGET.resolve("app.war").toFile())) {
            war.stream().map(e -> e.getName()).filter(n -> n.startsWith("WEB-INF/lib/") && n.endsWith(".jar")).forEach(libs::add);
        }
        assertEquals(List.of("WEB-INF/lib/persistence-1.0.0-SNAPSHOT.jar"), libs);
    }

    @Test
    void lockedIncrementsLoseNoUpdateInPayara() throws Exception {
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

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
