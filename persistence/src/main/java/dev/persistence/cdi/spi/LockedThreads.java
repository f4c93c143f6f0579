package dev.persistence.cdi.spi;

import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * What the current thread may do, as the platform sees it: whether it may park while it waits for
 * a lock, and where work resumes after an asynchronous grant. The Quarkus extension provides a
 * bean for Vert.x event-loop threads; without one, every thread may block and work resumes on the
 * thread whose release granted the lock.
 */
public interface LockedThreads {

    /**
     * Throws the platform's exception for a blocking operation on a thread that must not block
     * (e.g. Quarkus's {@code BlockingOperationNotAllowedException}); returns normally otherwise.
     * {@code what} describes the operation for the message.
     */
    void checkBlockingAllowed(String what);

    /** Whether the current thread may block. */
    boolean isBlockingAllowed();

    /**
     * Where work started on the current thread should resume after an asynchronous grant (the
     * current event loop's context), captured now; empty to resume on the granting thread.
     */
    Optional<Executor> resumeExecutor();
}
