package dev.persistence;

/**
 * The two ways a path can be locked.
 *
 * <p>
 * {@link #READ} locks are shared: any number of them overlap on the same path and on
 * related (ancestor or descendant) paths. A {@link #WRITE} lock is exclusive over its path,
 * every ancestor and every descendant. {@code WRITE} covers {@code READ}: a thread holding a
 * write lock may take nested read locks under it (see {@link LockManager}).
 */
public enum LockMode {
    /** Shared: conflicts only with a {@code WRITE} on the same, an ancestor or a descendant path. */
    READ,
    /** Exclusive: conflicts with every lock on the same, an ancestor or a descendant path. */
    WRITE;

    /** Whether a hold in this mode also grants {@code other} (WRITE covers READ). */
    public boolean covers(LockMode other) {
        return this == WRITE || other == READ;
    }
}
