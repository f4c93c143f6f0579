package dev.persistence.cdi;

import java.util.List;

import dev.persistence.LockMode;
import dev.persistence.Locked;

/**
 * The members of the {@link Locked @Locked} binding that applies to a method, as written: read from
 * the annotation at run time, or from the class files at build time.
 *
 * @param paths the path templates, as written
 * @param mode the lock mode
 * @param timeout the timeout as written; blank for the configured default
 */
public record LockedBinding(List<String> paths, LockMode mode, String timeout) {

    public LockedBinding {
        paths = List.copyOf(paths);
    }

    /** The members of {@code locked}. */
    public static LockedBinding of(Locked locked) {
        return new LockedBinding(List.of(locked.path()), locked.mode(), locked.timeout());
    }
}
