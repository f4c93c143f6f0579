package dev.persistence.quarkus.deployment.build;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import jakarta.enterprise.context.ApplicationScoped;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.persistence.Locked;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.mutiny.Multi;

/** Bad @Locked methods fail the build, all of them reported together, methods named, templates quoted as written. */
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
                assertTrue(text.contains("'${persistence.root}/data/{customer}'"), "not quoted verbatim: " + text);
                assertTrue(text.contains("BadService#stream") && text.contains("io.smallrye.mutiny.Multi"), text);
                assertTrue(text.contains("BadService#slow") && text.contains("'soon'"), text);
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

        @Locked(path = "${persistence.root}/data/{customer}")
        public void unknownName(String id) {
        }

        @Locked(path = "/data/{id}")
        public Multi<String> stream(String id) {
            return Multi.createFrom().empty();
        }

        @Locked(path = "/data/{id}", timeout = "soon")
        public void slow(String id) {
        }
    }
}
