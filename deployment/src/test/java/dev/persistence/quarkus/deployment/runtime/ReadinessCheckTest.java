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

/** With SmallRye Health present, the persistence readiness check is registered and UP when idle. */
class ReadinessCheckTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withEmptyApplication()
            .setForcedDependencies(List.of(
                    Dependency.of("io.quarkus", "quarkus-smallrye-health", System.getProperty("quarkus.version"))));

    @Inject
    @Readiness
    Instance<HealthCheck> checks;

    @Test
    void persistenceCheckIsUpWithQueueData() {
        HealthCheckResponse response = checks.stream().map(HealthCheck::call)
                .filter(r -> r.getName().equals("persistence")).findFirst().orElseThrow();
        assertEquals(HealthCheckResponse.Status.UP, response.getStatus());
        assertEquals(0L, response.getData().orElseThrow().get("queued"));
    }
}
