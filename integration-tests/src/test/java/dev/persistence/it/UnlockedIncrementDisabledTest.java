package dev.persistence.it;

import static io.restassured.RestAssured.given;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** The demo as shipped: the benchmark's unlocked twin of increment answers 404, like a path that does not exist. */
@QuarkusTest
class UnlockedIncrementDisabledTest {

    @Test
    void answersNotFoundUnlessEnabled() {
        String id = "d" + UUID.randomUUID();
        given().post("/benchmark/unlocked/notes/" + id + "/increment").then().statusCode(404);
        given().get("/documents/notes/" + id).then().statusCode(404); // and nothing was written
    }
}
