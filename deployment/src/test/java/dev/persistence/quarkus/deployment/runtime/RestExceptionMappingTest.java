package dev.persistence.quarkus.deployment.runtime;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Path;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.PathLock;
import io.quarkus.maven.dependency.Dependency;
import io.quarkus.test.QuarkusUnitTest;

/**
 * With Quarkus REST present, over real HTTP: a lock timeout is 503 with Retry-After, a lost lock 503, a refused
 * {@code @Locked} argument 400.
 */
class RestExceptionMappingTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(LockedResource.class))
            .setForcedDependencies(List.of(Dependency.of("io.quarkus", "quarkus-rest", System.getProperty("quarkus.version"))))
            .overrideConfigKey("quarkus.persistence.lock-timeout", "200ms")
            .overrideConfigKey("quarkus.persistence.rest.retry-after", "2.5s");

    @Inject
    LockManager manager;

    @Test
    void aLockTimeoutIs503WithRetryAfter() throws Exception {
        given().post("/locked/a").then().statusCode(200).body(equalTo("updated a"));
        try (PathLock held = manager.acquireAsync(Path.of("/resources"), LockMode.WRITE).join()) {
            given().post("/locked/a").then().statusCode(503).header("Retry-After", "3");
        }
        given().post("/locked/a").then().statusCode(200);
    }

    @Test
    void aRefusedLockedArgumentIs400() {
        given().post("/locked/value?id=ok").then().statusCode(200);
        given().post("/locked/value?id=..").then().statusCode(400);
        given().urlEncodingEnabled(false).post("/locked/value?id=a%2Fb").then().statusCode(400);
    }

    @Test
    void aLostLockIs503() {
        given().post("/locked/lost").then().statusCode(503).body(containsString("session expired"));
    }
}
