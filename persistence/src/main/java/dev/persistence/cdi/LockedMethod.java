package dev.persistence.cdi;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import dev.persistence.Locked;
import dev.persistence.cdi.spi.LockedReturnType;

/**
 * How one {@link Locked} method is run, decided once from its annotation, its declared return type
 * and the configuration: the parsed path template, the timeout, and who holds the lock across the
 * result. Every check that does not depend on a call's arguments happens here, so that a bad
 * method is reported at start-up (see {@link #problems}) rather than on its first call.
 */
record LockedMethod(LockedPath path, Optional<Duration> timeout, Kind kind, LockedReturnType returnType,
                    boolean returnsCompletableFuture, String description) {

    enum Kind { SYNCHRONOUS, STAGE, PLUG_IN }

    static LockedMethod plan(Locked locked, Method method, Function<String, Optional<String>> config,
                             Optional<Duration> defaultTimeout, Iterable<LockedReturnType> plugIns) {
        String where = LockedPath.describe(method);
        LockedPath path = LockedPath.parse(locked, method, config);
        Optional<Duration> timeout = timeout(locked, where).or(() -> defaultTimeout);
        Class<?> type = method.getReturnType();
        if (CompletionStage.class.isAssignableFrom(type)) {
            return new LockedMethod(path, timeout, Kind.STAGE, null, type.isAssignableFrom(CompletableFuture.class), where);
        }
        for (LockedReturnType plugIn : plugIns) {
            if (plugIn.supports(type)) {
                return new LockedMethod(path, timeout, Kind.PLUG_IN, plugIn, false, where);
            }
        }
        String unsupported = unsupportedAsync(method);
        if (unsupported != null) {
            throw new IllegalArgumentException("@Locked " + where + " " + unsupported + ": the lock would be "
                    + "released before the work ran. Return a CompletionStage" + (type.getName().startsWith("io.smallrye.mutiny.Uni")
                    ? ", or use the Quarkus extension (quarkus-persistence), which supports Uni" : "")
                    + ", or lock inside the pipeline with LockManager.acquireAsync");
        }
        return new LockedMethod(path, timeout, Kind.SYNCHRONOUS, null, false, where);
    }

    /** The {@code timeout} member, parsed; empty when blank. */
    static Optional<Duration> timeout(Locked locked, String where) {
        if (locked.timeout().isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(PersistenceSettings.parseDuration(locked.timeout().trim()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("@Locked " + where + " has timeout '" + locked.timeout()
                    + "', which is not a duration (e.g. 5s, 250ms, PT1M)", e);
        }
    }

    /**
     * Why {@code method}'s result cannot carry a lock (a known asynchronous type, or a Kotlin
     * {@code suspend} function), or {@code null}.
     */
    static String unsupportedAsync(Method method) {
        Class<?>[] parameters = method.getParameterTypes();
        if (parameters.length > 0 && AsyncReturnTypes.isKotlinContinuation(parameters[parameters.length - 1].getName())) {
            return "is a Kotlin suspend function, which @Locked does not support";
        }
        String type = asyncSupertype(method.getReturnType());
        return type == null ? null : "returns " + method.getReturnType().getName()
                + (type.equals(method.getReturnType().getName()) ? "" : " (a " + type + ")")
                + ", which @Locked does not support here";
    }

    private static String asyncSupertype(Class<?> type) {
        if (type == null || type.isPrimitive()) {
            return null;
        }
        if (AsyncReturnTypes.isUnsupported(type.getName())) {
            return type.getName();
        }
        for (Class<?> implemented : type.getInterfaces()) {
            String found = asyncSupertype(implemented);
            if (found != null) {
                return found;
            }
        }
        return asyncSupertype(type.getSuperclass());
    }

    /** The {@code @Locked} annotation that applies to {@code method}: its own, else its class hierarchy's. */
    static Locked declaredBinding(Method method) {
        Locked locked = method.getAnnotation(Locked.class);
        for (Class<?> type = method.getDeclaringClass(); locked == null && type != null; type = type.getSuperclass()) {
            locked = type.getAnnotation(Locked.class);
        }
        return locked;
    }

    /**
     * Every problem of the {@code @Locked} methods of {@code beanClass} (and its superclasses), each
     * message quoting the template as written: unresolvable placeholders, unset {@code ${key}}
     * values, bad timeouts, unsupported return types.
     */
    static List<String> problems(Class<?> beanClass, Function<String, Optional<String>> config,
                                 Iterable<LockedReturnType> plugIns) {
        List<String> problems = new ArrayList<>();
        for (Class<?> type = beanClass; type != null && type != Object.class; type = type.getSuperclass()) {
            for (Method method : type.getDeclaredMethods()) {
                if (method.isSynthetic() || method.isBridge() || Modifier.isStatic(method.getModifiers())
                        || Modifier.isPrivate(method.getModifiers())) {
                    continue;
                }
                Locked locked = declaredBinding(method);
                if (locked == null) {
                    continue;
                }
                try {
                    plan(locked, method, config, Optional.empty(), plugIns);
                } catch (IllegalArgumentException e) {
                    problems.add(e.getMessage());
                }
            }
        }
        return problems;
    }
}
