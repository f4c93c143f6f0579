package dev.persistence.cdi;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import jakarta.enterprise.context.ApplicationScoped;

import dev.persistence.LockContext;
import dev.persistence.LockMode;
import dev.persistence.Locked;

/** A method whose last parameter, not its return type, selects its plug-in. */
@ApplicationScoped
public class TicketService {

    /**
     * Whether the call runs under the write lock of {@code /tickets/<id>}. A {@code Future} is
     * refused unless a plug-in takes the method: here {@link TicketReturnType}, by the last parameter.
     */
    @Locked(path = "/tickets/{id}")
    public Future<String> take(String id, Ticket ticket) {
        return CompletableFuture.completedFuture(String.valueOf(LockContext.covers(Path.of("/tickets", id), LockMode.WRITE)));
    }
}
