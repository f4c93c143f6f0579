package dev.persistence;

import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.TYPE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

import jakarta.enterprise.util.Nonbinding;
import jakarta.interceptor.InterceptorBinding;

/**
 * Runs a CDI business method under a hierarchical lock of the application's {@link LockManager}.
 *
 * <pre>{@code
 * @Locked(path = "/data/orders/{id}", mode = LockMode.WRITE)
 * public void update(String id, Order order) { ... }
 * }</pre>
 *
 * <p>{@code ${key}} in the path is replaced, once, by the MicroProfile Config value of
 * {@code key} — typically {@code @Locked(path = "${persistence.root}/orders/{id}")} — and may
 * span several segments. {@code {name}} in the path is replaced by the method parameter of that name (compile with
 * {@code -parameters}), {@code {0}} by the first parameter, {@code {1}} by the second, and so
 * on. Each value must be one path segment: an empty value, {@code .}, {@code ..}, or a value
 * containing {@code /} or NUL is refused with {@link IllegalArgumentException} and the method
 * is not invoked. The resolved path must be absolute and normal.
 *
 * <p>The lock is taken before the method runs and released on every exit, exceptions
 * included; a method returning a {@link java.util.concurrent.CompletionStage} keeps it until
 * the stage completes. Inside the method, calls on covered paths from the same thread (through
 * {@link PersistenceClient} or the manager) do not wait. A method annotation overrides its
 * class's. The wait honours {@code persistence.lock-timeout}.
 */
@InterceptorBinding
@Inherited
@Retention(RUNTIME)
@Target({TYPE, METHOD})
public @interface Locked {

    /** The absolute path to lock; may hold {@code {name}} or {@code {0}} placeholders. */
    @Nonbinding
    String path();

    /** The lock mode (default {@link LockMode#WRITE}). */
    @Nonbinding
    LockMode mode() default LockMode.WRITE;
}
