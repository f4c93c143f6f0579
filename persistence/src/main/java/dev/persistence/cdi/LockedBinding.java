package dev.persistence.cdi;

import dev.persistence.LockMode;
import dev.persistence.Locked;

/**
 * The members of the {@link Locked @Locked} binding that applies to a method, as written: read from
 * the annotation at run time, or from the class files at build time.
 *
 * @param path the path template
 * @param mode the lock mode
 * @param timeout the timeout as written; blank for the configured default
 */
public record LockedBinding(String path, LockMode mode, String timeout) {

    /** The members of {@code locked}. */
    public static LockedBinding of(Locked locked) {
        return new LockedBinding(locked.path(), locked.mode(), locked.timeout());
    }
}
