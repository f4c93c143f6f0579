package dev.persistence.cdi;

import java.util.Set;

/**
 * The asynchronous types a {@link dev.persistence.Locked @Locked} lock cannot be held across by
 * the portable library, by class name (so none needs to be on the class path). A method returning
 * one — or a Kotlin {@code suspend} function — is refused when the application is built or
 * deployed, rather than run with its lock released at return. A
 * {@link dev.persistence.cdi.spi.LockedReturnType} plug-in lifts the refusal for its type (the
 * Quarkus extension's for Mutiny's {@code Uni}).
 */
public final class AsyncReturnTypes {

    private static final Set<String> UNSUPPORTED = Set.of(
            "java.util.concurrent.Future", "java.util.concurrent.Flow$Publisher", "org.reactivestreams.Publisher",
            "io.smallrye.mutiny.Uni", "io.smallrye.mutiny.Multi", "reactor.core.publisher.Mono",
            "reactor.core.publisher.Flux", "io.reactivex.rxjava3.core.Single", "io.reactivex.rxjava3.core.Maybe",
            "io.reactivex.rxjava3.core.Completable", "io.reactivex.rxjava3.core.Observable",
            "io.reactivex.rxjava3.core.Flowable", "kotlinx.coroutines.flow.Flow", "io.vertx.core.Future");

    private AsyncReturnTypes() {
    }

    /** Whether {@code className} (as {@link Class#getName()} writes it) is a refused asynchronous type. */
    public static boolean isUnsupported(String className) {
        return UNSUPPORTED.contains(className);
    }

    /** Whether a last parameter of type {@code className} makes the method a Kotlin {@code suspend} function. */
    public static boolean isKotlinContinuation(String className) {
        return "kotlin.coroutines.Continuation".equals(className);
    }
}
