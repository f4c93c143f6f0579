package dev.persistence.rest;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;

import dev.persistence.LockLostException;
import dev.persistence.LockTimeoutException;
import dev.persistence.PathRefusedException;
import dev.persistence.SymbolicLinkRefusedException;

/**
 * The HTTP answer to one of this library's failures: a status, a plain-text body and, for a
 * failure worth retrying, a {@code Retry-After} in whole seconds.
 *
 * <ul>
 * <li>{@link PathRefusedException} (including {@code LockedPathValueException}) and
 * {@link SymbolicLinkRefusedException}: <b>400 Bad Request</b>. The caller's input was
 * refused before anything was read or written; the same request will be refused again.</li>
 * <li>{@link LockTimeoutException}: <b>503 Service Unavailable</b> with {@code Retry-After}. The
 * lock was not granted in time; nothing was done, and the request may succeed later.</li>
 * <li>{@link LockLostException}: <b>503 Service Unavailable</b>. The lock was lost before the
 * work was committed; nothing was committed, and the request may succeed later.</li>
 * </ul>
 *
 * <p>
 * A body never holds a path, a configuration value, an argument or a stack trace: it is a
 * fixed sentence per kind of failure ({@link PathRefusedException#publicMessage()} for a
 * refusal), so an answer does not disclose where a server keeps its data. The exception's own
 * message, which may name the path, is for the server's log.
 *
 * <p>
 * Other failures have no answer here: a refused deadlock ({@code IllegalStateException}) is the
 * application's own lock nesting at fault, not the caller's, and stays a 500.
 *
 * @param status the HTTP status code
 * @param body the plain-text body, naming no path
 * @param retryAfterSeconds the {@code Retry-After} value, if the answer has one
 */
public record ErrorAnswer(int status, String body, OptionalLong retryAfterSeconds) {

    /*
     * The one place that decides what a remote caller is told about this library's failures. It knows
     * no HTTP library: the portable JAX-RS mappers (PersistenceExceptionMapping) and the Quarkus
     * extension's mappers both turn an ErrorAnswer into their response, so every server answers alike.
     */

    private static final int BAD_REQUEST = 400;
    private static final int SERVICE_UNAVAILABLE = 503;

    /** The {@code Retry-After} of a lock timeout unless the server configures its own. */
    public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

    static final String LOCK_TIMEOUT_BODY = "The resource is busy; retry later";
    static final String LOCK_LOST_BODY = "The lock on the resource was lost; nothing was committed; retry later";

    public ErrorAnswer {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(retryAfterSeconds, "retryAfterSeconds");
    }

    /** A refused path or path value: 400, the refusal's reason in words that name no path. */
    public static ErrorAnswer refused(PathRefusedException refused) {
        return new ErrorAnswer(BAD_REQUEST, refused.publicMessage(), OptionalLong.empty());
    }

    /** A path through a symbolic link below the root: 400, in words that name no path. */
    public static ErrorAnswer refused(SymbolicLinkRefusedException refused) {
        return new ErrorAnswer(BAD_REQUEST, refused.publicMessage(), OptionalLong.empty());
    }

    /**
     * A lock wait that ran out: 503 with {@code Retry-After}.
     *
     * @param retryAfter how long the caller should wait, rounded up to whole seconds
     * @throws IllegalArgumentException if {@code retryAfter} is negative
     */
    public static ErrorAnswer lockTimeout(LockTimeoutException timeout, Duration retryAfter) {
        Objects.requireNonNull(timeout, "timeout");
        return new ErrorAnswer(SERVICE_UNAVAILABLE, LOCK_TIMEOUT_BODY, OptionalLong.of(retryAfterSeconds(retryAfter)));
    }

    /**
     * {@code retryAfter} rounded up to whole seconds, as {@code Retry-After} carries it.
     *
     * @throws IllegalArgumentException if {@code retryAfter} is negative
     */
    public static long retryAfterSeconds(Duration retryAfter) {
        if (retryAfter.isNegative()) {
            throw new IllegalArgumentException("Retry-After must not be negative: " + retryAfter);
        }
        return retryAfter.getSeconds() + (retryAfter.getNano() > 0 ? 1 : 0);
    }

    /** A lock lost before the work was committed: 503. */
    public static ErrorAnswer lockLost(LockLostException lost) {
        Objects.requireNonNull(lost, "lost");
        return new ErrorAnswer(SERVICE_UNAVAILABLE, LOCK_LOST_BODY, OptionalLong.empty());
    }
}
