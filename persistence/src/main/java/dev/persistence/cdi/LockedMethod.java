package dev.persistence.cdi;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import dev.persistence.Locked;
import dev.persistence.cdi.spi.LockedReturnType;
import dev.persistence.cdi.spi.LockedSignature;

/**
 * How one {@link Locked} method is run, decided once from its binding, its signature and the
 * configuration by {@link LockedRules}: the parsed path template, the timeout, and who holds the
 * lock across the result ({@link AsyncReturnTypes}).
 */
record LockedMethod(LockedPath path, Optional<Duration> timeout, AsyncReturnTypes.Kind kind, LockedReturnType returnType,
        boolean returnsCompletableFuture, String description) {

    /**
     * Plans {@code method} under {@code locked}; a method without a timeout of its own waits
     * {@code defaultTimeout}.
     *
     * @throws LockedDefinitionException the method's first problem, the others suppressed by it
     */
    static LockedMethod plan(Locked locked, Method method, Function<String, Optional<String>> config,
            Optional<Duration> defaultTimeout, AsyncReturnTypes returnTypes) {
        LockedSignature signature = new ReflectedSignature(method);
        LockedRules.Checked checked = LockedRules.check(signature, LockedBinding.of(locked), config, returnTypes);
        List<LockedDefinitionException> problems = checked.problems();
        if (!problems.isEmpty()) {
            problems.subList(1, problems.size()).forEach(problems.get(0)::addSuppressed);
            throw problems.get(0);
        }
        // The lock is held past return, so the caller's stage must complete after the release:
        // possible when the declared type is one this library may complete itself.
        boolean ownStage = signature.returnType().equals("java.util.concurrent.CompletionStage")
                || signature.returnType().equals("java.util.concurrent.CompletableFuture");
        return new LockedMethod(checked.path(), checked.timeout().or(() -> defaultTimeout), checked.handling().kind(),
                checked.handling().plugIn(), ownStage, LockedRules.describe(signature));
    }
}
