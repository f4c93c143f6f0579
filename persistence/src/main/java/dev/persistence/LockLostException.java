package dev.persistence;

/**
 * Thrown when work that needs a lock finds that the lock is no longer held — for a lock manager
 * shared between processes, because the session that held it ended. The client throws it
 * instead of committing a write: the target keeps its old content and the temp file is removed.
 */
public class LockLostException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public LockLostException(String message) {
        super(message);
    }
}
