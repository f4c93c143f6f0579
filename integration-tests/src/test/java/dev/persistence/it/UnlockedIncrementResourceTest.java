package dev.persistence.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.PathLock;
import dev.persistence.PersistenceClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The HTTP benchmark's unlocked twin of increment (benchmarks/http/run.sh) with
 * demo.benchmark.unlocked-increment=true: the same read-modify-write, really without the lock held
 * across it. Without the property it does not answer: see {@link UnlockedIncrementDisabledTest}.
 */
@QuarkusTest
@TestProfile(UnlockedIncrementResourceTest.Enabled.class)
class UnlockedIncrementResourceTest {

    /** The profile that enables the endpoint (and gives this class an application of its own). */
    public static class Enabled implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("demo.benchmark.unlocked-increment", "true");
        }
    }

    @Inject
    LockManager locks;

    @Inject
    PersistenceClient client;

    @Test
    void readsOutsideTheLockItsWriteTakesWhereTheLockedEndpointReadsInsideIt() throws Exception {
        String id = "u" + UUID.randomUUID();
        Path document = client.root().orElseThrow().resolve("notes").resolve(id + ".json");
        assertEquals(1, increment("/benchmark/unlocked/notes/" + id + "/increment"));

        // Unlocked: its read passes our READ lock, its write waits for it; the change made meanwhile is lost.
        assertEquals(2, incrementWhileAChangeIsMadeUnderARead("/benchmark/unlocked/notes/" + id + "/increment", document));
        // Locked: the whole increment waits for our READ lock, then reads the change.
        assertEquals(101, incrementWhileAChangeIsMadeUnderARead("/documents/notes/" + id + "/increment", document));
    }

    /** Sets the count to 100, bypassing the locks, while holding a READ lock on the document and its increment waits. */
    private long incrementWhileAChangeIsMadeUnderARead(String endpoint, Path document) throws Exception {
        CompletableFuture<Integer> answer;
        try (PathLock reading = locks.acquire(document, LockMode.READ)) {
            answer = CompletableFuture.supplyAsync(() -> increment(endpoint));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (locks.stats().queued() == 0) {
                if (System.nanoTime() - deadline > 0 || answer.isDone()) {
                    throw new AssertionError("The increment never waited for the READ lock: " + answer);
                }
                Thread.sleep(10);
            }
            Files.writeString(document, "{\"count\":100}");
        }
        return answer.get(60, TimeUnit.SECONDS);
    }

    private static int increment(String endpoint) {
        return given().post(endpoint).then().statusCode(200).extract().path("count");
    }
}
