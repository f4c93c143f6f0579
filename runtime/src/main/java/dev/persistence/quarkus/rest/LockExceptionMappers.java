package dev.persistence.quarkus.rest;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;

import dev.persistence.LockLostException;
import dev.persistence.LockTimeoutException;
import dev.persistence.PathRefusedException;
import dev.persistence.SymbolicLinkRefusedException;
import dev.persistence.quarkus.PersistenceRuntimeConfig;
import dev.persistence.rest.ErrorAnswer;
import dev.persistence.rest.PersistenceExceptionMapping;

/**
 * The library's failures as HTTP answers under Quarkus REST (registered by the deployment module only when Quarkus
 * REST is present and {@code quarkus.persistence.rest.enabled} is not {@code false}). Status and body are
 * {@link ErrorAnswer}'s, the same as the portable {@link PersistenceExceptionMapping} gives on any Jakarta REST
 * server: a refused path 400, a lock timeout 503 with {@code Retry-After}, a lost lock 503, no body naming a path.
 * These classes only add what Quarkus has: CDI beans, and the {@code Retry-After} from
 * {@code quarkus.persistence.rest.retry-after}.
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
            return PersistenceExceptionMapping.response(ErrorAnswer.lockTimeout(exception, config.rest().retryAfter()));
        }
    }

    /** {@link LockLostException}: 503; the work done under the lost lock was not committed. */
    @Singleton
    public static class LockLost implements ExceptionMapper<LockLostException> {

        @Override
        public Response toResponse(LockLostException exception) {
            return PersistenceExceptionMapping.response(ErrorAnswer.lockLost(exception));
        }
    }

    /**
     * {@link PathRefusedException} (a refused {@code @Locked} argument, a client refusal): 400; the application's
     * other {@code IllegalArgumentException}s stay its own.
     */
    @Singleton
    public static class PathRefused implements ExceptionMapper<PathRefusedException> {

        @Override
        public Response toResponse(PathRefusedException exception) {
            return PersistenceExceptionMapping.response(ErrorAnswer.refused(exception));
        }
    }

    /** {@link SymbolicLinkRefusedException} (a path through a link below the root): 400, like any refused path. */
    @Singleton
    public static class SymbolicLinkRefused implements ExceptionMapper<SymbolicLinkRefusedException> {

        @Override
        public Response toResponse(SymbolicLinkRefusedException exception) {
            return PersistenceExceptionMapping.response(ErrorAnswer.refused(exception));
        }
    }
}
