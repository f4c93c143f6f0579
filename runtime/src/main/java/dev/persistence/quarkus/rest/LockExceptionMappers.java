package dev.persistence.quarkus.rest;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;

import dev.persistence.LockLostException;
import dev.persistence.LockTimeoutException;
import dev.persistence.LockedPathValueException;
import dev.persistence.quarkus.PersistenceRuntimeConfig;

/**
 * Lock failures as HTTP answers under Quarkus REST (registered by the deployment module only when Quarkus REST is
 * present and {@code quarkus.persistence.rest.enabled} is not {@code false}), each with the exception's message as
 * plain text: a lock wait that ran out or a lost lock may succeed when retried (503 Service Unavailable); a
 * {@code @Locked} call refused for its argument is the caller's fault (400 Bad Request).
 */
public final class LockExceptionMappers {

    private LockExceptionMappers() {
    }

    /** {@link LockTimeoutException}: 503 with {@code Retry-After} ({@code quarkus.persistence.rest.retry-after}). */
    @Singleton
    public static class LockTimeout implements ExceptionMapper<LockTimeoutException> {

        @Inject
        PersistenceRuntimeConfig config;

        @Override
        public Response toResponse(LockTimeoutException exception) {
            long millis = config.rest().retryAfter().toMillis();
            return unavailable(exception).header(HttpHeaders.RETRY_AFTER, (millis + 999) / 1000).build();
        }
    }

    /** {@link LockLostException}: 503; the work done under the lost lock was not committed. */
    @Singleton
    public static class LockLost implements ExceptionMapper<LockLostException> {

        @Override
        public Response toResponse(LockLostException exception) {
            return unavailable(exception).build();
        }
    }

    /** {@link LockedPathValueException}: 400; the application's other {@code IllegalArgumentException}s stay its own. */
    @Singleton
    public static class LockedPathValue implements ExceptionMapper<LockedPathValueException> {

        @Override
        public Response toResponse(LockedPathValueException exception) {
            return Response.status(Response.Status.BAD_REQUEST).type(MediaType.TEXT_PLAIN_TYPE)
                    .entity(String.valueOf(exception.getMessage())).build();
        }
    }

    private static Response.ResponseBuilder unavailable(RuntimeException exception) {
        return Response.status(Response.Status.SERVICE_UNAVAILABLE).type(MediaType.TEXT_PLAIN_TYPE)
                .entity(String.valueOf(exception.getMessage()));
    }
}
