package dev.persistence.cdi.spi;

import java.util.Set;

/**
 * A plug-in that holds a {@link dev.persistence.Locked @Locked} method's lock across a result the
 * portable library does not know how to hold: an asynchronous return type (Mutiny's {@code Uni}
 * in the Quarkus extension), or a calling convention such as a Kotlin {@code suspend} function,
 * whose last parameter is a {@code kotlin.coroutines.Continuation}. Implementations are CDI beans.
 *
 * <p>
 * Whether a plug-in handles a method is decided from the method's {@link LockedSignature}
 * alone, once per method: when the application starts (and under Quarkus also when it is built,
 * on an instance made with the public no-argument constructor, before any container exists). So
 * {@link #supportedTypes} and {@link #supports} must depend on nothing but their argument. A
 * method two plug-ins support is a deployment error.
 *
 * <p>
 * An implementation must take the lock only through {@link LockedCall#acquire()} and release
 * it on every outcome of the work it stands for — completion, failure and cancellation.
 */
public interface LockedReturnType {

    /**
     * The names of the types this plug-in handles (return types, or for a calling convention the
     * parameter type that marks it), as {@link Class#getName()} writes them. They name the
     * alternatives in the message that refuses an unsupported method.
     */
    Set<String> supportedTypes();

    /**
     * Whether this plug-in runs {@code method}. By default: whether the method's declared return
     * type is one of {@link #supportedTypes()}.
     */
    default boolean supports(LockedSignature method) {
        return supportedTypes().contains(method.returnType());
    }

    /** Returns the method's result, holding the lock for the work it represents. */
    Object invoke(LockedCall call) throws Exception;
}
