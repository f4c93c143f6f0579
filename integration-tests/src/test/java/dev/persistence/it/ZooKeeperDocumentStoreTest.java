package dev.persistence.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** The demo with persistence.lock-manager=zookeeper: the same guarantees through a shared lock service. */
@QuarkusTest
@TestProfile(ZooKeeperDocumentStoreTest.SharedLocks.class)
@QuarkusTestResource(value = ZooKeeperServer.class, restrictToAnnotatedClass = true)
class ZooKeeperDocumentStoreTest {

    /** A profile of its own, so that the application restarts with the ZooKeeper configuration. */
    public static class SharedLocks implements QuarkusTestProfile {
    }

    @Test
    void parallelIncrementsThroughZooKeeperLoseNoUpdate() throws Exception {
        String c = "z" + UUID.randomUUID().toString().replace("-", "");
        int increments = 20;
        ExecutorService clients = Executors.newFixedThreadPool(6);
        try {
            List<Future<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < increments; i++) {
                calls.add(clients.submit(() -> given().post("/documents/{c}/{id}/increment", c, "counter")
                        .then().extract().statusCode()));
            }
            for (Future<Integer> call : calls) {
                assertEquals(200, call.get(60, TimeUnit.SECONDS));
            }
        } finally {
            clients.shutdownNow();
        }
        given().get("/documents/{c}/{id}", c, "counter").then().statusCode(200).body("count", equalTo(increments));
    }

    @Test
    void readinessReportsTheZooKeeperConnection() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'persistence' }.data.lock-manager", equalTo("zookeeper"))
                .body("checks.find { it.name == 'persistence' }.data.connected", equalTo(true));
    }
}
