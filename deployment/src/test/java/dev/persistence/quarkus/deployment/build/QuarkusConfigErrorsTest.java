package dev.persistence.quarkus.deployment.build;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusUnitTest;

/** Bad values under both names fail start-up once, naming every one of them. */
class QuarkusConfigErrorsTest {

    private static final Map<String, String> BAD = Map.of(
            "quarkus.persistence.lock-timeout", "-5s",
            "quarkus.persistence.root", "relative/data",
            "quarkus.persistence.durable", "yes",
            "persistence.health.max-wait", "soon",
            "persistence.health.max-queued", "-1",
            "quarkus.persistence.file-mode", "0648");

    @RegisterExtension
    static final QuarkusUnitTest APP = withBadValues(new QuarkusUnitTest().withEmptyApplication())
            .assertException(failure -> {
                StringBuilder messages = new StringBuilder();
                for (Throwable t = failure; t != null; t = t.getCause()) {
                    messages.append(t.getMessage()).append('\n');
                }
                BAD.forEach((key, value) -> assertTrue(messages.indexOf(key.replace("quarkus.", "")) >= 0
                        && messages.indexOf(value) >= 0, key + "=" + value + " not reported in:\n" + messages));
            });

    private static QuarkusUnitTest withBadValues(QuarkusUnitTest test) {
        BAD.forEach(test::overrideConfigKey);
        return test;
    }

    @Test
    void startupFails() {
        fail("the application must not start");
    }
}
