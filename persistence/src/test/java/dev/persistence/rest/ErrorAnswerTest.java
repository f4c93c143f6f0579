package dev.persistence.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

import dev.persistence.LockLostException;
import dev.persistence.LockTimeoutException;
import dev.persistence.LockedPathValueException;
import dev.persistence.PathRefusedException;
import dev.persistence.SymbolicLinkRefusedException;

/** {@link ErrorAnswer}: the statuses, a body that never carries the exception's message, Retry-After rounded up. */
class ErrorAnswerTest {

    private static final String SECRET = "/srv/secret-data-root/accounts/../../escaped";

    @Test
    void everyRefusalIs400WithItsReasonAndNotItsMessage() {
        for (PathRefusedException.Reason reason : PathRefusedException.Reason.values()) {
            ErrorAnswer answer = ErrorAnswer.refused(new PathRefusedException(reason, Path.of(SECRET), "refused " + SECRET));
            assertEquals(400, answer.status(), reason.name());
            assertEquals(reason.publicMessage(), answer.body());
            assertFalse(answer.body().contains("/"), "a body that could hold a path: " + answer.body());
            assertEquals(OptionalLong.empty(), answer.retryAfterSeconds());
        }
        assertEquals(400, ErrorAnswer.refused(new LockedPathValueException("argument 0 ('" + SECRET + "')")).status());
    }

    @Test
    void aSymbolicLinkRefusalIs400WithoutThePathOrTheLink() {
        ErrorAnswer answer = ErrorAnswer
                .refused(new SymbolicLinkRefusedException(Path.of(SECRET), Path.of("/srv/secret-link")));
        assertEquals(400, answer.status());
        assertEquals(PathRefusedException.Reason.SYMBOLIC_LINK.publicMessage(), answer.body());
        assertFalse(answer.body().contains("secret"), answer.body());
    }

    @Test
    void aLockTimeoutIs503WithRetryAfterRoundedUpToWholeSeconds() {
        LockTimeoutException timeout = new LockTimeoutException("Timed out waiting for WRITE " + SECRET);
        ErrorAnswer answer = ErrorAnswer.lockTimeout(timeout, Duration.ofMillis(2500));
        assertEquals(503, answer.status());
        assertFalse(answer.body().contains(SECRET), answer.body());
        assertEquals(OptionalLong.of(3), answer.retryAfterSeconds());
        assertEquals(OptionalLong.of(0), ErrorAnswer.lockTimeout(timeout, Duration.ZERO).retryAfterSeconds());
        assertEquals(OptionalLong.of(1), ErrorAnswer.lockTimeout(timeout, Duration.ofNanos(1)).retryAfterSeconds());
        assertEquals(OptionalLong.of(1), ErrorAnswer.lockTimeout(timeout, Duration.ofSeconds(1)).retryAfterSeconds());
        assertThrows(IllegalArgumentException.class, () -> ErrorAnswer.lockTimeout(timeout, Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> new PersistenceExceptionMapping(Duration.ofSeconds(-1)));
    }

    @Test
    void aLostLockIs503WithoutTheExceptionsMessage() {
        ErrorAnswer answer = ErrorAnswer.lockLost(new LockLostException("session of " + SECRET + " expired"));
        assertEquals(503, answer.status());
        assertFalse(answer.body().contains(SECRET), answer.body());
        assertTrue(answer.retryAfterSeconds().isEmpty());
    }
}
