package dev.persistence.quarkus.deployment.runtime;

import static java.lang.annotation.RetentionPolicy.RUNTIME;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InterceptorBinding;
import jakarta.interceptor.InvocationContext;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.persistence.LockManager;
import dev.persistence.Locked;
import io.quarkus.test.QuarkusUnitTest;

/**
 * {@code quarkus.persistence.locked.priority} moves the lock among the other interceptors: at 100
 * the lock is already held when an interceptor of priority 200 (where {@code @Transactional} sits)
 * runs; at the default 1000 it is not yet.
 */
class LockedPriorityTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Probe.class, ProbeInterceptor.class, ProbedService.class))
            .overrideConfigKey("quarkus.persistence.locked.priority", "100");

    @Inject
    ProbedService service;

    @Test
    void aLowerPriorityTakesTheLockOutsideTheOtherInterceptor() {
        assertEquals("writers when the probe ran: 1", service.run("x"));
    }

    @InterceptorBinding
    @Retention(RUNTIME)
    @Target({ ElementType.TYPE, ElementType.METHOD })
    public @interface Probe {
    }

    /** Sits where {@code @Transactional} does and reports whether the lock is held around it. */
    @Probe
    @Interceptor
    @Priority(Interceptor.Priority.PLATFORM_BEFORE + 200)
    public static class ProbeInterceptor {
        @Inject
        LockManager manager;

        @AroundInvoke
        Object probe(InvocationContext context) throws Exception {
            int writers = manager.stats().activeWriters();
            context.proceed();
            return "writers when the probe ran: " + writers;
        }
    }

    @ApplicationScoped
    public static class ProbedService {
        @Probe
        @Locked(path = "/priority/{id}")
        public String run(String id) {
            return "ran";
        }
    }
}
