package dev.persistence.quarkus.deployment.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.persistence.LockManager;
import dev.persistence.cdi.Ticket;
import dev.persistence.cdi.TicketReturnType;
import dev.persistence.cdi.TicketService;
import io.quarkus.test.QuarkusUnitTest;

/**
 * An application's own plug-in, chosen by a method's last parameter type (as a Kotlin
 * {@code suspend} plug-in would be by its {@code Continuation}), is asked by the build step as by
 * the interceptor: a method returning a {@code Future}, refused without it, builds and runs through
 * it. The same beans run on Weld in the portable module's {@code LockedRulesTest}.
 */
class ParameterKeyedPlugInTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Ticket.class, TicketReturnType.class, TicketService.class));

    @Inject
    TicketService tickets;

    @Inject
    LockManager manager;

    @Test
    void thePlugInRunsTheMethodUnderItsLock() throws Exception {
        assertEquals("ticket:true", tickets.take("t1", new Ticket()).get());
        assertTrue(manager.stats().idle(), "lock left behind: " + manager.stats());
    }
}
