package dev.persistence.quarkus.deployment.build;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Stereotype;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.persistence.Locked;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.mutiny.Multi;

/**
 * Bad @Locked methods fail the build, all of them reported together, methods named, templates quoted as written
 * (a property placeholder's property must exist, at every level); a binding through a stereotype on a stereotype is
 * checked like one on the method.
 */
class InvalidLockedPathTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(BadService.class, Order.class, CounterLock.class, AuditedCounter.class,
                    BadCounter.class))
            .assertException(failure -> {
                String text = FailureText.of(failure);
                assertTrue(text.contains("BadService#missingProperty") && text.contains("'/data/{order.nope}'")
                        && text.contains("has no property 'nope'"), text);
                assertTrue(text.contains("BadService#deepProperty") && text.contains("java.lang.String has no property 'size'"),
                        text);
                assertTrue(text.contains("BadService#unknownName") && text.contains("{customer}"), text);
                assertTrue(text.contains("'${persistence.root}/data/{customer}'"), "not quoted verbatim: " + text);
                assertTrue(text.contains("BadService#stream") && text.contains("io.smallrye.mutiny.Multi"), text);
                assertTrue(text.contains("BadService#slow") && text.contains("'soon'"), text);
                assertTrue(text.contains("'/counters/{0}' on " + BadCounter.class.getName() + "#reset names '{0}'"), text);
            });

    @Test
    void buildFails() {
        fail("the application must not start");
    }

    @ApplicationScoped
    public static class BadService {
        @Locked(path = "/data/{order.nope}")
        public void missingProperty(Order order) {
        }

        @Locked(path = { "/data/{order.id}", "/data/{order.id.size}" })
        public void deepProperty(Order order) {
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

    public record Order(String id) {
    }

    @Stereotype
    @Locked(path = "/counters/{0}")
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    public @interface CounterLock {
    }

    @Stereotype
    @CounterLock
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    public @interface AuditedCounter {
    }

    @ApplicationScoped
    @AuditedCounter
    public static class BadCounter {
        public void reset() {
        }
    }
}
