package dev.persistence;

/**
 * Thrown when a timed lock acquisition runs out of time. The request has then been withdrawn
 * completely: it holds nothing and blocks nobody.
 */
public class LockTimeoutException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public LockTimeoutException() {
        super();
    }

    public LockTimeoutException(String message) {
        super(message);
    }
}
