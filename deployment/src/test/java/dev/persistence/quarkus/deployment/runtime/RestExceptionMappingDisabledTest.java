package dev.persistence.quarkus.deployment.runtime;

import static io.restassured.RestAssured.given;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.maven.dependency.Dependency;
import io.quarkus.test.QuarkusUnitTest;

/** {@code quarkus.persistence.rest.enabled=false}: the extension maps nothing; the application decides. */
class RestExceptionMappingDisabledTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(LockedResource.class))
            .setForcedDependencies(List.of(Dependency.of("io.quarkus", "quarkus-rest", System.getProperty("quarkus.version"))))
            .overrideConfigKey("quarkus.persistence.rest.enabled", "false");

    @Test
    void aLostLockIsAPlain500() {
        given().post("/locked/lost").then().statusCode(500);
    }
}
