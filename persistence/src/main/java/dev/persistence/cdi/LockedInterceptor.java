package dev.persistence.cdi;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;

import org.eclipse.microprofile.config.Config;

import dev.persistence.LockContext;
import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.LockTimeoutException;
import dev.persistence.Locked;
import dev.persistence.PathLock;
import dev.persistence.cdi.spi.LockedCall;
import dev.persistence.cdi.spi.LockedReturnType;
import dev.persistence.cdi.spi.LockedThreads;
import dev.persistence.spi.AsyncGrant;
import dev.persistence.spi.Reentrancy;

/*
 * The @Locked interceptor: plans each method once (template, timeout, how its result is held),
 * then runs every call under its lock. Enabled globally by @Priority: no beans.xml entry.
 *
 * How a call holds its lock, by the method's declared return type:
 *   - synchronous: a blocking acquisition in the calling thread's LockContext, released on
 *     return. On a thread that must not block (LockedThreads) it fails at once, unless a lock
 *     of the thread's context already covers it (a nested hold never waits).
 *   - CompletionStage / CompletableFuture: held until the stage completes. Inside covering
 *     locks of the context (one for every path, or several together) the hold is pinned there
 *     (it outlives the enclosing scope; a manager without pinned holds is refused at once rather
 *     than joined); on a thread that may block,
 *     the acquisition blocks as for a synchronous call; on one that must not, it is asynchronous
 *     and the method runs when the lock is granted, on the executor the platform names (the
 *     caller's event loop), unless the caller gave up on the result first (AsyncGrant decides).
 *   - a method a LockedReturnType plug-in supports (Mutiny's Uni under Quarkus): the plug-in.
 * The binding is found once per method (LockedBindings), and the kind decided by the rules
 * every container's start-up check and the Quarkus build also run (LockedRules, AsyncReturnTypes).
 * The method runs with its lock in the LockContext, so its synchronous part may use the covered
 * paths; the calling thread never keeps an asynchronous method's lock in its context.
 *
 * A call's paths are resolved from the plan's compiled templates (LockedPath) and folded; several
 * paths are one request of the manager (acquireAll, acquireAllAsync...), one path the cheaper
 * single-path request. A synchronous call allocates no Call: only the asynchronous shapes, whose
 * lock outlives this frame, need one.
 */

/** Runs {@link Locked} methods under their lock. */
@Locked(path = "/") // the members are @Nonbinding: this binds the interceptor to every @Locked

@Interceptor
@Priority(Interceptor.Priority.LIBRARY_BEFORE)
public class LockedInterceptor {

    /** Plans; per interceptor instance, so a redeployment with new configuration starts afresh. */
    private final ConcurrentMap<Method, LockedMethod> plans = new ConcurrentHashMap<>();

    @Inject
    LockManager manager;

    @Inject
    PersistenceSettings settings;

    @Inject
    Config config;

    @Inject
    @Any
    Instance<LockedReturnType> returnTypes;

    @Inject
    @Any
    Instance<LockedThreads> threads;

    /** {@link #threads} resolved on first use; racy initialisation is harmless (same bean). */
    private volatile Optional<LockedThreads> resolvedThreads;

    @AroundInvoke
    Object lockAround(InvocationContext context) throws Exception {
        LockedMethod plan = plans.get(context.getMethod());
        if (plan == null) { // planned once; the lookup above allocates nothing
            plan = plans.computeIfAbsent(context.getMethod(), method -> LockedMethod.plan(
                    LockedBindings.of(context), method, key -> config.getOptionalValue(key, String.class),
                    settings.lockTimeout(), new AsyncReturnTypes(returnTypes)));
        }
        LockedPath templates = plan.path();
        Path path;
        List<Path> paths = null; // null: the call locks path alone
        if (templates.single()) {
            path = templates.resolveOne(context.getParameters());
        } else {
            List<Path> all = templates.resolve(context.getParameters());
            path = all.get(0);
            paths = all.size() == 1 ? null : all;
        }
        if (plan.kind() == AsyncReturnTypes.Kind.SYNCHRONOUS) {
            return synchronous(plan, path, paths, context);
        }
        Call call = new Call(plan, path, paths, context, platformThreads());
        return plan.kind() == AsyncReturnTypes.Kind.STAGE ? call.stage() : plan.returnType().invoke(call);
    }

    /** A synchronous call: a blocking acquisition, released on every exit. */
    private Object synchronous(LockedMethod plan, Path path, List<Path> paths, InvocationContext invocation)
            throws Exception {
        LockedThreads platform = platformThreads();
        if (platform != null && !covered(path, paths, plan.path().mode())) {
            platform.checkBlockingAllowed("@Locked " + plan.description() + " waiting for "
                    + describe(path, paths, plan.path().mode()));
        }
        try (PathLock ignored = acquireBlocking(plan, path, paths)) {
            return invocation.proceed();
        }
    }

    /** Takes the lock of a call, waiting at most the plan's timeout: one request for all its paths. */
    private PathLock acquireBlocking(LockedMethod plan, Path path, List<Path> paths) throws InterruptedException {
        LockMode mode = plan.path().mode();
        Optional<Duration> timeout = plan.timeout();
        if (paths == null) {
            return timeout.isPresent() ? manager.acquire(path, mode, timeout.get()) : manager.acquire(path, mode);
        }
        return timeout.isPresent() ? manager.acquireAll(paths, mode, timeout.get()) : manager.acquireAll(paths, mode);
    }

    /** Whether the calling thread's context covers every path of a call. */
    private static boolean covered(Path path, List<Path> paths, LockMode mode) {
        if (paths == null) {
            return LockContext.covers(path, mode);
        }
        for (Path each : paths) {
            if (!LockContext.covers(each, mode)) {
                return false;
            }
        }
        return true;
    }

    /** A call's request as messages name it: its mode and its path, or its paths. */
    private static String describe(Path path, List<Path> paths, LockMode mode) {
        return mode + " " + (paths == null ? path : paths);
    }

    /** The platform's thread rules, resolved once per interceptor instance ({@code null}: none). */
    private LockedThreads platformThreads() {
        Optional<LockedThreads> resolved = resolvedThreads;
        if (resolved == null) {
            resolved = threads.isResolvable() ? Optional.of(threads.get()) : Optional.empty();
            resolvedThreads = resolved;
        }
        return resolved.orElse(null);
    }

    /** One call of a method whose result holds the lock: its paths, its invocation and the ways to hold its lock. */
    private final class Call implements LockedCall {
        private final LockedMethod plan;
        /** The first path; with {@code paths} null, the only one. */
        private final Path path;
        private final List<Path> paths;
        private final InvocationContext invocation;
        private final LockedThreads threads;

        Call(LockedMethod plan, Path path, List<Path> paths, InvocationContext invocation, LockedThreads threads) {
            this.plan = plan;
            this.path = path;
            this.paths = paths;
            this.invocation = invocation;
            this.threads = threads;
        }

        @Override
        public Path path() {
            return path;
        }

        @Override
        public List<Path> paths() {
            return paths == null ? List.of(path) : paths;
        }

        @Override
        public LockMode mode() {
            return plan.path().mode();
        }

        Object stage() throws Exception {
            PathLock pinned = covered(path, paths, mode()) ? pinnedHold() : null;
            if (pinned != null) {
                return completeUnder(pinned, () -> proceed(pinned));
            }
            if (threads == null || threads.isBlockingAllowed() || !plan.returnsCompletableFuture()) {
                PathLock lock = acquireBlocking(plan, path, paths);
                return completeUnder(lock, () -> {
                    try {
                        return invocation.proceed();
                    } finally {
                        lock.disown(); // the stage keeps the lock; this thread goes on to other work
                    }
                });
            }
            Executor resume = threads.resumeExecutor().orElse(null);
            CompletableFuture<PathLock> granted = acquire();
            PathLock free = granted.isCompletedExceptionally() ? null : granted.getNow(null);
            if (free != null) {
                return completeUnder(free, () -> proceed(free));
            }
            // Grant against the caller giving up on the result first: AsyncGrant decides once,
            // so the body runs at most once and the lock is released exactly once.
            AsyncGrant grant = new AsyncGrant(granted);
            CompletableFuture<Object> result = new CompletableFuture<>();
            result.whenComplete((value, failure) -> grant.cancel()); // only before the grant: withdraws
            granted.whenComplete((lock, failure) -> {
                if (failure != null) {
                    result.completeExceptionally(unwrap(failure));
                    return;
                }
                Runnable body = () -> {
                    if (!grant.claim(lock)) {
                        return;
                    }
                    try {
                        relay((CompletionStage<?>) completeUnder(lock, () -> proceed(lock)), result);
                    } catch (Throwable bodyFailure) {
                        result.completeExceptionally(bodyFailure);
                    }
                };
                if (resume == null) {
                    body.run();
                    return;
                }
                try {
                    resume.execute(body);
                } catch (RuntimeException rejected) { // the caller's context is gone
                    if (grant.claim(lock)) {
                        lock.close();
                    }
                    result.completeExceptionally(rejected);
                }
            });
            return result;
        }

        /**
         * The pinned hold of a stage-returning call inside covering locks of the context (one lock
         * or several): granted at once by every manager built on the ownership layer; null if the
         * covering locks were closed meanwhile (by another thread), when the call is an ordinary
         * one. A manager that cannot pin the locks that cover the call (one without pinned holds,
         * or they are another manager's) would queue it behind its own caller's lock, for ever:
         * refused instead.
         */
        private PathLock pinnedHold() {
            CompletableFuture<PathLock> pinned = requestInContext();
            if (!pinned.isDone()) {
                pinned.cancel(false);
                if (!covered(path, paths, mode())) {
                    return null;
                }
                throw Reentrancy.waitRefused(describe(path, paths, mode()) + " (@Locked " + plan.description()
                        + ", inside its caller's lock; " + manager + " has no pinned holds in the locks that cover it)");
            }
            try {
                return pinned.join(); // done: returns or throws at once
            } catch (CompletionException failure) {
                throw failure.getCause() instanceof RuntimeException cause ? cause : failure;
            }
        }

        /** Runs the method for a stage-returning call and keeps {@code lock} until the stage completes. */
        private Object completeUnder(PathLock lock, Body body) throws Exception {
            Object value;
            try {
                value = body.run();
            } catch (Throwable failure) {
                lock.close();
                throw failure;
            }
            if (value == null) {
                lock.close();
                return null;
            }
            CompletionStage<?> stage = (CompletionStage<?>) value;
            if (!plan.returnsCompletableFuture()) {
                stage.whenComplete((v, failure) -> lock.close());
                return value;
            }
            // Callers see completion only after the release, so their next step never waits on us.
            CompletableFuture<Object> released = new CompletableFuture<>();
            stage.whenComplete((v, failure) -> {
                lock.close();
                if (failure != null) {
                    released.completeExceptionally(failure);
                } else {
                    released.complete(v);
                }
            });
            return released;
        }

        @Override
        public CompletableFuture<PathLock> acquire() {
            CompletableFuture<PathLock> request = requestInContext();
            CompletableFuture<PathLock> result = new CompletableFuture<>();
            Optional<Duration> timeout = plan.timeout();
            if (timeout.isPresent() && !request.isDone()) {
                request.orTimeout(Math.max(0L, timeout.get().toNanos()), TimeUnit.NANOSECONDS);
            }
            request.whenComplete((lock, failure) -> {
                if (failure == null) {
                    if (!result.complete(lock)) {
                        lock.close(); // the caller gave up meanwhile
                    }
                } else if (failure instanceof TimeoutException) {
                    result.completeExceptionally(new LockTimeoutException("Timed out after " + timeout.orElseThrow()
                            + " waiting for " + describe(path, paths, mode()) + " (@Locked " + plan.description() + ")"));
                } else {
                    result.completeExceptionally(failure);
                }
            });
            result.whenComplete((lock, failure) -> {
                if (failure != null) {
                    request.cancel(false); // withdraws a waiting request
                }
            });
            return result;
        }

        @Override
        public Object proceed(PathLock lock) throws Exception {
            try (LockContext.Scope ignored = LockContext.enter(lock)) {
                return invocation.proceed();
            }
        }

        /** The asynchronous request of this call, pinned inside a covering lock of the context. */
        private CompletableFuture<PathLock> requestInContext() {
            return paths == null ? manager.acquireAsyncInContext(path, mode())
                    : manager.acquireAllAsyncInContext(paths, mode());
        }
    }

    @FunctionalInterface
    private interface Body {
        Object run() throws Exception;
    }

    private static void relay(CompletionStage<?> stage, CompletableFuture<Object> result) {
        if (stage == null) {
            result.complete(null);
        } else {
            stage.whenComplete((value, failure) -> {
                if (failure != null) {
                    result.completeExceptionally(unwrap(failure));
                } else {
                    result.complete(value);
                }
            });
        }
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }
}
