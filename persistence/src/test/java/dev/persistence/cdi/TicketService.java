package dev.persistence.cdi;

import java.nio.file.Path;

import jakarta.enterprise.context.ApplicationScoped;

import dev.persistence.LockContext;
import dev.persistence.LockMode;
import dev.persistence.Locked;

/** A method whose last parameter, not its return type, selects its plug-in. */
@ApplicationScoped
public class TicketService {

    /** Whether the call runs under the write lock of {@code /tickets/<id>}. */
    @Locked(path = "/tickets/{id}")
    public String take(String id, Ticket ticket) {
        return String.valueOf(LockContext.covers(Path.of("/tickets", id), LockMode.WRITE));
    }
}
