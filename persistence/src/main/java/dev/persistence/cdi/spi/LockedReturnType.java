package dev.persistence.cdi.spi;

/**
 * A plug-in that holds a {@link dev.persistence.Locked @Locked} method's lock across an
 * asynchronous return type the portable library does not know (Mutiny's {@code Uni} in the
 * Quarkus extension). Implementations are CDI beans; the interceptor asks each, in no
 * particular order, whether it supports a method's declared return type, once per method.
 *
 * <p>An implementation must take the lock only through {@link LockedCall#acquire()} and release
 * it on every outcome of the work it stands for — completion, failure and cancellation.
 */
public interface LockedReturnType {

    /** Whether this plug-in handles methods declaring {@code returnType}. */
    boolean supports(Class<?> returnType);

    /** Returns the method's result, holding the lock for the work it represents. */
    Object invoke(LockedCall call) throws Exception;
}
