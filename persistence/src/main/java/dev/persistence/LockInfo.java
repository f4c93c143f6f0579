package dev.persistence;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * One request that a {@link LockManager} holds or queues, as seen at the instant of {@link LockManager#locks(int)}.
 * For diagnostics only (Dev UI, logs): it carries no handle on the lock.
 *
 * @param path the path of the request; the first path of a multi-path request
 * @param mode the mode asked
 * @param thread the name of the thread that asked; a lock from {@link LockManager#acquireAsync} belongs to no
 *        thread, and this is only the thread that enqueued it
 * @param state held or waiting
 * @param age how long it has been held (since the grant) or has waited (since its arrival). The in-process
 *        manager does not time a lock granted without contention (nothing else in its stripe): that
 *        one's age counts from when the manager first had to look at it (a conflicting request, or
 *        introspection such as this call), a lower bound
 */
public record LockInfo(Path path, LockMode mode, String thread, State state, Duration age) {

    /** Whether the request holds its lock or waits for it. */
    public enum State {
        HELD,
        WAITING
    }

    public LockInfo {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(thread, "thread");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(age, "age");
    }
}
