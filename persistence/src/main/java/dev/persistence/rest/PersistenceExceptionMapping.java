package dev.persistence.rest;

import java.time.Duration;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.core.Feature;
import jakarta.ws.rs.core.FeatureContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;

import dev.persistence.LockLostException;
import dev.persistence.LockTimeoutException;
import dev.persistence.PathRefusedException;
import dev.persistence.SymbolicLinkRefusedException;

/**
 * Answers this library's failures over JAX-RS as {@link ErrorAnswer} decides: a refused path is
 * 400, a lock timeout 503 with {@code Retry-After}, a lost lock 503, each with a plain-text body
 * that names no path. Opt in by registering this feature, either in the application's
 * {@code Application#getClasses()} or, to keep the server's scanning of the application, as a
 * {@code @Provider} subclass of the application's own:
 *
 * <pre>{@code
 * @Provider
 * public class PersistenceErrors extends PersistenceExceptionMapping {
 * }
 * }</pre>
 *
 * A subclass that calls {@link #PersistenceExceptionMapping(Duration)} chooses the
 * {@code Retry-After} of a lock timeout (default {@link ErrorAnswer#DEFAULT_RETRY_AFTER}).
 * An application's own mapper still wins: one for a more specific exception type as JAX-RS
 * always chooses, one for the same type because these are registered at priority
 * {@code Priorities.USER + 1}, below an application mapper's default.
 */
public class PersistenceExceptionMapping implements Feature {

    /*
     * The opt-in JAX-RS side of ErrorAnswer for any Jakarta REST server. Nothing here is annotated
     *
     * @Provider and nothing is a CDI bean: a server scanning the application's jars registers none of
     * it, so an application that maps these exceptions itself is never overridden behind its back.
     */

    /** Just below an application's mappers (default {@code USER}), as the Quarkus extension registers its own. */
    private static final int MAPPER_PRIORITY = Priorities.USER + 1;

    private final Duration retryAfter;

    /** With the default {@code Retry-After} of one second. */
    public PersistenceExceptionMapping() {
        this(ErrorAnswer.DEFAULT_RETRY_AFTER);
    }

    /**
     * @param retryAfter the {@code Retry-After} of a lock timeout, rounded up to whole seconds
     * @throws IllegalArgumentException if it is negative
     */
    public PersistenceExceptionMapping(Duration retryAfter) {
        ErrorAnswer.retryAfterSeconds(retryAfter); // refused here rather than at the first timeout
        this.retryAfter = retryAfter;
    }

    @Override
    public boolean configure(FeatureContext context) {
        context.register(new PathRefused(), MAPPER_PRIORITY);
        context.register(new SymbolicLinkRefused(), MAPPER_PRIORITY);
        context.register(new LockTimeout(retryAfter), MAPPER_PRIORITY);
        context.register(new LockLost(), MAPPER_PRIORITY);
        return true;
    }

    /** {@code answer} as a JAX-RS response: its status, its plain-text body, its {@code Retry-After}. */
    public static Response response(ErrorAnswer answer) {
        Response.ResponseBuilder response = Response.status(answer.status())
                .type(MediaType.TEXT_PLAIN_TYPE.withCharset("UTF-8"))
                .entity(answer.body());
        answer.retryAfterSeconds().ifPresent(seconds -> response.header(HttpHeaders.RETRY_AFTER, seconds));
        return response.build();
    }

    /** {@link PathRefusedException}: 400. */
    public static final class PathRefused implements ExceptionMapper<PathRefusedException> {
        @Override
        public Response toResponse(PathRefusedException refused) {
            return response(ErrorAnswer.refused(refused));
        }
    }

    /** {@link SymbolicLinkRefusedException}: 400. */
    public static final class SymbolicLinkRefused implements ExceptionMapper<SymbolicLinkRefusedException> {
        @Override
        public Response toResponse(SymbolicLinkRefusedException refused) {
            return response(ErrorAnswer.refused(refused));
        }
    }

    /** {@link LockTimeoutException}: 503 with {@code Retry-After}. */
    public static final class LockTimeout implements ExceptionMapper<LockTimeoutException> {
        private final Duration retryAfter;

        /**
         * @param retryAfter the {@code Retry-After}, rounded up to whole seconds
         * @throws IllegalArgumentException if it is negative
         */
        public LockTimeout(Duration retryAfter) {
            ErrorAnswer.retryAfterSeconds(retryAfter);
            this.retryAfter = retryAfter;
        }

        @Override
        public Response toResponse(LockTimeoutException timeout) {
            return response(ErrorAnswer.lockTimeout(timeout, retryAfter));
        }
    }

    /** {@link LockLostException}: 503. */
    public static final class LockLost implements ExceptionMapper<LockLostException> {
        @Override
        public Response toResponse(LockLostException lost) {
            return response(ErrorAnswer.lockLost(lost));
        }
    }
}
