package dev.persistence.cdi;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import jakarta.enterprise.context.ApplicationScoped;

import dev.persistence.PathLock;
import dev.persistence.cdi.spi.LockedCall;
import dev.persistence.cdi.spi.LockedReturnType;
import dev.persistence.cdi.spi.LockedSignature;

/** A plug-in chosen by a method's last parameter type, the way a Kotlin {@code suspend} plug-in would be. */
@ApplicationScoped
public class TicketReturnType implements LockedReturnType {

    @Override
    public Set<String> supportedTypes() {
        return Set.of(Ticket.class.getName());
    }

    @Override
    public boolean supports(LockedSignature method) {
        List<String> parameters = method.parameterTypes();
        return !parameters.isEmpty() && parameters.get(parameters.size() - 1).equals(Ticket.class.getName());
    }

    /** Runs the method under its lock and marks its result as this plug-in's. */
    @Override
    public Object invoke(LockedCall call) throws Exception {
        try (PathLock lock = call.acquire().join()) {
            return CompletableFuture.completedFuture("ticket:" + ((Future<?>) call.proceed(lock)).get());
        }
    }
}
