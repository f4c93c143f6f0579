package dev.persistence.cdi;

import java.lang.reflect.Method;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;

import org.eclipse.microprofile.config.Config;

import dev.persistence.LockManager;
import dev.persistence.Locked;
import dev.persistence.PathLock;

/*
 * The @Locked interceptor: resolves the method's path template against the call's arguments,
 * takes the lock from the application's LockManager, and releases it when the call (or the
 * CompletionStage it returns) completes. Enabled globally by @Priority: no beans.xml entry.
 */

/** Runs {@link Locked} methods under their lock. */
@Locked(path = "/") // the members are @Nonbinding: this binds the interceptor to every @Locked

@Interceptor
@Priority(Interceptor.Priority.LIBRARY_BEFORE)
public class LockedInterceptor {

    /** Where ArC and Weld put the invocation's interceptor bindings (Interceptors 2.1 has no getter). */
    private static final String[] BINDINGS_KEYS = {
            "io.quarkus.arc.interceptorBindings", "org.jboss.weld.interceptor.bindings"};

    /** Parsed templates; per interceptor instance, so a redeployment with new configuration starts afresh. */
    private final ConcurrentMap<Method, LockedPath> paths = new ConcurrentHashMap<>();

    @Inject
    LockManager manager;

    @Inject
    PersistenceSettings settings;

    @Inject
    Config config;

    @AroundInvoke
    Object lockAround(InvocationContext context) throws Exception {
        Method method = context.getMethod();
        LockedPath template = paths.computeIfAbsent(method,
                m -> LockedPath.parse(binding(context, m), m, key -> config.getOptionalValue(key, String.class)));
        PathLock lock = acquire(template, context.getParameters());
        boolean async = CompletionStage.class.isAssignableFrom(method.getReturnType());
        Object result;
        try {
            result = context.proceed();
        } catch (Throwable failure) {
            lock.close();
            throw failure;
        }
        if (!async || result == null) {
            lock.close();
            return result;
        }
        // The calling thread goes on to other work: it must not stay inside the lock.
        lock.disown();
        CompletionStage<?> stage = (CompletionStage<?>) result;
        if (!method.getReturnType().isAssignableFrom(CompletableFuture.class)) {
            stage.whenComplete((value, failure) -> lock.close());
            return result;
        }
        // Callers see completion only after the release, so their next step never waits on us.
        CompletableFuture<Object> released = new CompletableFuture<>();
        stage.whenComplete((value, failure) -> {
            lock.close();
            if (failure != null) {
                released.completeExceptionally(failure);
            } else {
                released.complete(value);
            }
        });
        return released;
    }

    private PathLock acquire(LockedPath template, Object[] arguments) throws InterruptedException {
        var path = template.resolve(arguments);
        return settings.lockTimeout().isPresent()
                ? manager.acquire(path, template.mode(), settings.lockTimeout().get())
                : manager.acquire(path, template.mode());
    }

    private static Locked binding(InvocationContext context, Method method) {
        for (String key : BINDINGS_KEYS) {
            if (context.getContextData().get(key) instanceof Collection<?> bindings) {
                for (Object binding : bindings) {
                    if (binding instanceof Locked locked) {
                        return locked;
                    }
                }
            }
        }
        Locked locked = method.getAnnotation(Locked.class);
        for (Class<?> type = method.getDeclaringClass(); locked == null && type != null; type = type.getSuperclass()) {
            locked = type.getAnnotation(Locked.class);
        }
        if (locked == null && context.getTarget() != null) {
            locked = context.getTarget().getClass().getAnnotation(Locked.class);
        }
        if (locked == null) {
            throw new IllegalStateException("No @Locked binding found for " + LockedPath.describe(method));
        }
        return locked;
    }
}
