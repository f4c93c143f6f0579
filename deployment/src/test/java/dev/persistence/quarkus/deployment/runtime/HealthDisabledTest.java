package dev.persistence.quarkus.deployment.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.maven.dependency.Dependency;
import io.quarkus.test.QuarkusUnitTest;

/** {@code quarkus.persistence.health.enabled=false}: SmallRye Health is present, the persistence check is not. */
class HealthDisabledTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withEmptyApplication()
            .setForcedDependencies(List.of(
                    Dependency.of("io.quarkus", "quarkus-smallrye-health", System.getProperty("quarkus.version"))))
            .overrideConfigKey("quarkus.persistence.health.enabled", "false");

    @Inject
    @Readiness
    Instance<HealthCheck> checks;

    @Test
    void thePersistenceCheckIsAbsent() {
        assertEquals(List.of(), checks.stream().map(HealthCheck::call).map(HealthCheckResponse::getName)
                .filter("persistence"::equals).toList());
    }
}
