package dev.persistence.quarkus.reactive;

import java.util.Map;

import org.eclipse.microprofile.context.spi.ThreadContextController;
import org.eclipse.microprofile.context.spi.ThreadContextProvider;
import org.eclipse.microprofile.context.spi.ThreadContextSnapshot;

import dev.persistence.LockContext;

/**
 * Carries the {@link LockContext} — the locks the work runs under — wherever MicroProfile Context
 * Propagation carries context: Mutiny callbacks, managed executors, {@code ThreadContext}-wrapped
 * tasks. Cleared context is an empty {@link LockContext}, so a pooled thread never inherits locks.
 */
public class LockContextProvider implements ThreadContextProvider {

    /** The context type name, for {@code propagated}/{@code cleared} lists of Context Propagation. */
    public static final String TYPE = "dev.persistence.LockContext";

    @Override
    public ThreadContextSnapshot currentContext(Map<String, String> props) {
        return snapshot(LockContext.capture());
    }

    @Override
    public ThreadContextSnapshot clearedContext(Map<String, String> props) {
        return snapshot(LockContext.empty());
    }

    @Override
    public String getThreadContextType() {
        return TYPE;
    }

    private static ThreadContextSnapshot snapshot(LockContext context) {
        return () -> {
            LockContext.Scope scope = context.activate();
            ThreadContextController end = scope::close;
            return end;
        };
    }
}
