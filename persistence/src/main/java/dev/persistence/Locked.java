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
 * <pre>
 * &#64;Locked(path = "orders/{id}", mode = LockMode.WRITE)
 * public void update(String id, Order order) { ... }
 *
 * &#64;Locked(path = {"accounts/{from}", "accounts/{to}"})
 * public void transfer(String from, String to, long amount) { ... }
 *
 * &#64;Locked(path = "customers/{order.customer}/orders/{order.id}")
 * public void place(Order order) { ... }
 * </pre>
 *
 * <p>
 * A template that starts with neither {@code /} nor <code>${</code> lies under
 * {@code persistence.root} ({@code orders/{id}} is {@code <root>/orders/{id}}, the same lock as
 * {@code ${persistence.root}/orders/{id}}); without a configured root such a template is a
 * deployment error. {@code ${key}} in a path is replaced, once, by the MicroProfile Config value
 * of {@code key}, and may span several segments. {@code {name}} is replaced by the method
 * parameter of that name (compile with {@code -parameters}), {@code {0}} by the first parameter,
 * {@code {1}} by the second, and so on; {@code {name.property}} by a property of that parameter —
 * a record component, or a public getter {@code getProperty()} / {@code isProperty()} — and
 * {@code {name.a.b}} by a property of a property. A property that the parameter's type does not
 * have is a deployment error. Each value must be one path segment: a {@code null} (anywhere along
 * the way) or empty value, {@code .}, {@code ..}, or a value containing {@code /}, {@code \}, NUL
 * or another control character is refused with {@link dev.persistence.LockedPathValueException}
 * (an {@link IllegalArgumentException}) and the method is not invoked — the same check as
 * {@link PersistenceClient#resolve}, which builds the same paths in the method's body. The
 * resolved paths must be absolute and normal.
 *
 * <p>
 * Several paths are granted together: one request with one arrival, all-or-nothing, in
 * arrival order against every conflicting request ({@link LockManager#acquireAll}), so no two
 * calls can deadlock whatever the order of their arguments, and a call waiting for one path
 * holds none of the others meanwhile. Repeated paths and a path at or below another of the same
 * call are folded into one.
 *
 * <p>
 * A synchronous method runs under the lock, which is released on every exit, exceptions
 * included. A method returning a {@link java.util.concurrent.CompletionStage} keeps the lock
 * until the stage completes; under Quarkus, a method returning a Mutiny {@code Uni} is invoked
 * when the {@code Uni} is subscribed, once per subscription, under a lock taken without blocking
 * and kept until the item, the failure or the cancellation. Other asynchronous types
 * ({@code Multi}, {@code Publisher}, Kotlin {@code suspend}, …) are refused when the application
 * is built or deployed. On a thread that must not block (a Vert.x event loop), a synchronous
 * method fails at once instead of waiting, and an asynchronous one waits asynchronously.
 *
 * <p>
 * The method — and work it hands on through {@link LockContext} (propagated automatically
 * under Quarkus by MicroProfile Context Propagation) — may use the paths the lock covers
 * through {@link PersistenceClient} or the manager without waiting. A method annotation
 * overrides its class's. The wait honours {@link #timeout()}, else
 * {@code persistence.lock-timeout}.
 */
@InterceptorBinding
@Inherited
@Retention(RUNTIME)
@Target({ TYPE, METHOD })
public @interface Locked {

    /**
     * The paths to lock, all granted together; each may hold placeholders. One path may be
     * written as a plain string: {@code @Locked(path = "orders/{id}")}.
     */
    @Nonbinding
    String[] path();

    /** The lock mode (default {@link LockMode#WRITE}). */
    @Nonbinding
    LockMode mode() default LockMode.WRITE;

    /**
     * How long to wait for the lock, in the formats of {@code persistence.lock-timeout}
     * ({@code 5s}, {@code 250ms}, {@code PT1M}, …); empty (the default) for that setting.
     */
    @Nonbinding
    String timeout() default "";
}
