package dev.persistence.quarkus.deployment;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import jakarta.enterprise.context.ApplicationScoped;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.persistence.Locked;
import io.quarkus.test.QuarkusUnitTest;

/** Bad @Locked templates fail the build, all of them reported together with the methods named. */
class InvalidLockedPathTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(BadService.class))
            .assertException(failure -> {
                StringBuilder all = new StringBuilder();
                for (Throwable t = failure; t != null; t = t.getCause()) {
                    all.append(t).append('\n');
                    for (Throwable s : t.getSuppressed()) {
                        all.append(s).append('\n');
                    }
                }
                String text = all.toString();
                assertTrue(text.contains("BadService#relative") && text.contains("must be absolute"), text);
                assertTrue(text.contains("BadService#unknownName") && text.contains("{customer}"), text);
            });

    @Test
    void buildFails() {
        fail("the application must not start");
    }

    @ApplicationScoped
    public static class BadService {
        @Locked(path = "data/{id}")
        public void relative(String id) {
        }

        @Locked(path = "/data/{customer}")
        public void unknownName(String id) {
        }
    }
}
