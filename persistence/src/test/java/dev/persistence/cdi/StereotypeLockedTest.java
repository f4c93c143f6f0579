package dev.persistence.cdi;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.inject.se.SeContainer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import dev.persistence.LockManager;

/**
 * {@code @Locked} bound through a stereotype, and through a stereotype on a stereotype, in a real
 * container of each CDI implementation (OpenWebBeans passes no resolved bindings to interceptors).
 */
@ParameterizedClass
@EnumSource(CdiTestSupport.Implementation.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StereotypeLockedTest {

    private final CdiTestSupport.Implementation cdi;
    private SeContainer container;
    private StereotypeCounter counter;
    private NestedStereotypeCounter nested;
    private LockManager manager;

    StereotypeLockedTest(CdiTestSupport.Implementation cdi) {
        this.cdi = cdi;
    }

    @BeforeEach
    void start() {
        container = cdi.start(Map.of(), StereotypeCounter.class, NestedStereotypeCounter.class);
        counter = container.select(StereotypeCounter.class).get();
        nested = container.select(NestedStereotypeCounter.class).get();
        manager = container.select(LockManager.class).get();
    }

    @AfterEach
    void idle() {
        if (!container.isRunning()) {
            return;
        }
        try {
            assertTrue(manager.stats().idle(), "lock left behind: " + manager.stats());
        } finally {
            container.close();
        }
    }

    @Test
    void aStereotypeBindsTheLock() {
        assertTrue(counter.bump("a"), "not run under /counters/a");
        assertFalse(new StereotypeCounter().bump("a"), "the probe must see no lock outside the interceptor");
    }

    @Test
    void aStereotypeOnAStereotypeBindsTheLock() {
        assertTrue(nested.bump("b"), "not run under /counters/b");
    }

    @Test
    void theStartUpCheckSeesStereotypeBindings() {
        container.close(); // OpenWebBeans in Java SE runs one container at a time
        RuntimeException failure = assertThrows(RuntimeException.class,
                () -> cdi.start(Map.of(), BrokenStereotypeCounter.class).close());
        String messages = CdiTestSupport.messages(failure);
        assertTrue(messages.contains("@Locked path '/counters/{0}' on " + BrokenStereotypeCounter.class.getName()
                + "#reset names '{0}', which matches no parameter"), messages);
    }
}
