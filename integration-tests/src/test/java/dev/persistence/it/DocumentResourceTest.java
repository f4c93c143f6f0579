package dev.persistence.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** The demo over real HTTP: round trips, errors, atomic updates under concurrency, health. */
@QuarkusTest
class DocumentResourceTest {

    private static String collection() {
        return "c" + UUID.randomUUID().toString().replace("-", "");
    }

    @Test
    void documentsRoundTripAndAreListed() {
        String c = collection();
        given().contentType(ContentType.JSON).body("{\"name\":\"Ada\",\"n\":1}")
                .put("/documents/{c}/{id}", c, "ada").then().statusCode(204);
        given().contentType(ContentType.JSON).body("{\"name\":\"Bob\"}")
                .put("/documents/{c}/{id}", c, "bob").then().statusCode(204);
        given().get("/documents/{c}/{id}", c, "ada").then().statusCode(200)
                .body("name", equalTo("Ada")).body("n", equalTo(1));
        given().get("/documents/{c}", c).then().statusCode(200).body("$", contains("ada", "bob"));
        given().delete("/documents/{c}/{id}", c, "bob").then().statusCode(204);
        given().get("/documents/{c}", c).then().statusCode(200).body("$", contains("ada"));
    }

    @Test
    void aMissingDocumentIs404() {
        given().get("/documents/{c}/{id}", collection(), "nobody").then().statusCode(404);
        given().delete("/documents/{c}/{id}", collection(), "nobody").then().statusCode(404);
    }

    @Test
    void namesThatAreNotOneSegmentAre400() {
        String c = collection();
        // HTTP clients resolve a literal ".." before sending; the encoded one reaches the server.
        given().urlEncodingEnabled(false).get("/documents/" + c + "/%2E%2E").then().statusCode(400);
        given().urlEncodingEnabled(false).get("/documents/%2e%2e/x").then().statusCode(400);
        given().urlEncodingEnabled(false).get("/documents/" + c + "/.hidden").then().statusCode(400);
        given().urlEncodingEnabled(false).get("/documents/" + c + "/a%2Fb").then().statusCode(400);
        given().urlEncodingEnabled(false).contentType(ContentType.JSON).body("{}")
                .put("/documents/" + c + "/..%2F..%2Fescape").then().statusCode(400);
        given().urlEncodingEnabled(false).post("/documents/" + c + "/%2E%2E/increment").then().statusCode(400);
    }

    @Test
    void parallelIncrementsOfOneDocumentLoseNoUpdate() throws Exception {
        incrementInParallel(collection(), 40, 8);
    }

    /** {@code increments} increments of one document from {@code clients} parallel HTTP clients: none is lost. */
    static void incrementInParallel(String c, int increments, int clients) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        try {
            List<Future<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < increments; i++) {
                calls.add(threads.submit(() -> given().post("/documents/{c}/{id}/increment", c, "counter")
                        .then().extract().statusCode()));
            }
            for (Future<Integer> call : calls) {
                assertEquals(200, call.get(60, TimeUnit.SECONDS));
            }
        } finally {
            threads.shutdownNow();
            threads.awaitTermination(10, TimeUnit.SECONDS);
        }
        given().get("/documents/{c}/{id}", c, "counter").then().statusCode(200).body("count", equalTo(increments));
    }

    @Test
    void aTransferRewritesTwoDocumentsAtomically() {
        String c = collection();
        given().contentType(ContentType.JSON).body("{\"balance\":100}").put("/documents/{c}/a", c).then().statusCode(204);
        given().contentType(ContentType.JSON).body("{\"balance\":5}").put("/documents/{c}/b", c).then().statusCode(204);
        given().contentType(ContentType.JSON).body("{\"from\":\"a\",\"to\":\"b\",\"amount\":30}")
                .post("/documents/{c}/transfer", c).then().statusCode(200);
        given().get("/documents/{c}/a", c).then().body("balance", equalTo(70));
        given().get("/documents/{c}/b", c).then().body("balance", equalTo(35));
        given().contentType(ContentType.JSON).body("{\"from\":\"a\",\"to\":\"b\",\"amount\":1000}")
                .post("/documents/{c}/transfer", c).then().statusCode(400);
        given().get("/documents/{c}/a", c).then().body("balance", equalTo(70));
    }

    @Test
    void theLockMetersOfATransferShowOnTheMetricsEndpoint() {
        String c = collection();
        given().contentType(ContentType.JSON).body("{\"balance\":10}").put("/documents/{c}/a", c).then().statusCode(204);
        given().contentType(ContentType.JSON).body("{\"balance\":0}").put("/documents/{c}/b", c).then().statusCode(204);
        given().contentType(ContentType.JSON).body("{\"from\":\"a\",\"to\":\"b\",\"amount\":1}")
                .post("/documents/{c}/transfer", c).then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("persistence_lock_wait_seconds_count"))
                .body(containsString("persistence_lock_hold_seconds_count"));
    }

    @Test
    void aTransferRefusesBadInputAndSelfTransferAndChangesNothing() {
        String c = collection();
        given().contentType(ContentType.JSON).body("{\"balance\":100}").put("/documents/{c}/a", c).then().statusCode(204);
        given().contentType(ContentType.JSON).body("{\"balance\":5}").put("/documents/{c}/b", c).then().statusCode(204);
        for (String bad : List.of(
                "{\"from\":\"a\",\"to\":\"b\",\"amount\":-30}", // would move money backwards
                "{\"from\":\"a\",\"to\":\"b\",\"amount\":0}",
                "{\"from\":\"a\",\"to\":\"b\",\"amount\":1.5}",
                "{\"from\":\"a\",\"to\":\"b\",\"amount\":\"10\"}",
                "{\"from\":\"a\",\"to\":\"b\"}",
                "{\"from\":\"a\",\"to\":\"b\",\"amount\":99999999999999999999}",
                "{\"from\":\"a\",\"amount\":10}",
                "{\"from\":\"a\",\"to\":\"../b\",\"amount\":10}",
                "{\"from\":\"a\",\"to\":7,\"amount\":10}",
                "{\"from\":\"a\",\"to\":\"b\",\"amount\":10,\"field\":null}",
                "[1,2]",
                "{\"from\":\"a\",\"to\":", // malformed JSON
                "")) {
            given().contentType(ContentType.JSON).body(bad).post("/documents/{c}/transfer", c)
                    .then().statusCode(400);
        }
        given().contentType(ContentType.JSON).body("{\"from\":\"a\",\"to\":\"a\",\"amount\":10}")
                .post("/documents/{c}/transfer", c).then().statusCode(409);
        given().get("/documents/{c}/a", c).then().body("balance", equalTo(100));
        given().get("/documents/{c}/b", c).then().body("balance", equalTo(5));
    }

    @Test
    void readinessReportsThePersistenceCheckWithItsQueue() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("persistence"))
                .body("checks.find { it.name == 'persistence' }.data.queued", equalTo(0))
                .body(containsString("oldest-wait-ms"));
    }
}
