package dev.persistence.cdi;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.persistence.LockManager;

/** {@code @Locked} bound through a stereotype, and through a stereotype on a stereotype, in Weld. */
@EnableWeld
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StereotypeLockedTest {

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(CdiTestSupport.weld(Map.of(), StereotypeCounter.class,
            NestedStereotypeCounter.class)).build();

    @Inject
    StereotypeCounter counter;

    @Inject
    NestedStereotypeCounter nested;

    @Inject
    LockManager manager;

    @AfterEach
    void idle() {
        assertTrue(manager.stats().idle(), "lock left behind: " + manager.stats());
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
        Weld broken = CdiTestSupport.weld(Map.of(), BrokenStereotypeCounter.class);
        RuntimeException failure = assertThrows(RuntimeException.class, () -> broken.initialize().shutdown());
        String messages = CdiTestSupport.messages(failure);
        assertTrue(messages.contains("@Locked path '/counters/{0}' on " + BrokenStereotypeCounter.class.getName()
                + "#reset names '{0}', which matches no parameter"), messages);
    }
}
