package dev.persistence.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.util.UUID;

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
        DocumentResourceTest.incrementInParallel("z" + UUID.randomUUID().toString().replace("-", ""), 20, 6);
    }

    @Test
    void readinessReportsTheZooKeeperConnection() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'persistence' }.data.lock-manager", equalTo("zookeeper"))
                .body("checks.find { it.name == 'persistence' }.data.connected", equalTo(true));
    }
}
