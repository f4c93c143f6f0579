package dev.persistence.quarkus.deployment.build;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import jakarta.enterprise.context.ApplicationScoped;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.persistence.Locked;
import io.quarkus.arc.Unremovable;
import io.quarkus.test.QuarkusUnitTest;

/**
 * A template relative to {@code persistence.root} with no root configured: the root is run-time
 * configuration under Quarkus (an environment variable may give it at start-up), so the
 * application fails when it starts, before serving anything, naming the method and the template.
 */
class RelativeLockedPathWithoutRootTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(RelativeService.class))
            .assertException(failure -> {
                String text = FailureText.of(failure);
                assertTrue(text.contains("RelativeService#update") && text.contains("'orders/{id}'")
                        && text.contains("is relative to persistence.root, which has no configured value"), text);
            });

    @Test
    void startFails() {
        fail("the application must not start");
    }

    @ApplicationScoped
    @Unremovable // a bean nothing injects is removed, and so never called: nothing to check
    public static class RelativeService {
        @Locked(path = "orders/{id}")
        public void update(String id) {
        }
    }
}
