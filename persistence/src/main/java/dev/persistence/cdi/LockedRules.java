package dev.persistence.cdi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import dev.persistence.Locked;
import dev.persistence.cdi.spi.LockedSignature;

/**
 * The checks of one {@link Locked @Locked} method that do not depend on a call's arguments: it
 * names at least one path, and each template parses (absolute, or relative to a configured
 * {@code persistence.root}; each {@code {name}} or {@code {index}} names a parameter and each
 * {@code {name.property}} a property its type has; each {@code ${key}} has a value), the timeout
 * is a duration, and the result is one its lock can be
 * held across ({@link AsyncReturnTypes}). Every problem of a method is reported, each as a
 * {@link LockedDefinitionException} whose message names the method and quotes what was written.
 */
public final class LockedRules {

    /*
     * The @Locked rules, written once. Three callers hold a LockedSignature and a LockedBinding
     * read their own way and ask here: the interceptor when it plans a method (LockedMethod), the
     * portable start-up check (LockedMethodCheck, over reflection) and the Quarkus build step (over
     * Jandex). So a method the build accepts is a method the start-up check accepts, with the same
     * message when it is not. The messages of the template itself are LockedPath's.
     */

    private LockedRules() {
    }

    /**
     * Every problem of {@code method} under {@code binding}, in a fixed order (template, timeout,
     * result); empty when the method can run. {@code config} gives the value of a {@code ${key}}.
     */
    public static List<LockedDefinitionException> problems(LockedSignature method, LockedBinding binding,
            Function<String, Optional<String>> config,
            AsyncReturnTypes returnTypes) {
        return check(method, binding, config, returnTypes).problems();
    }

    /** {@code method} as messages name it: {@code declaring.Class#name}. */
    public static String describe(LockedSignature method) {
        return method.declaringClass() + "#" + method.name();
    }

    /**
     * The outcome of the rules for one method: what was decided (a part is {@code null} or empty
     * where it had a problem) and the problems.
     */
    record Checked(LockedPath path, Optional<Duration> timeout, AsyncReturnTypes.Handling handling,
            List<LockedDefinitionException> problems) {
    }

    static Checked check(LockedSignature method, LockedBinding binding, Function<String, Optional<String>> config,
            AsyncReturnTypes returnTypes) {
        String where = describe(method);
        List<LockedDefinitionException> problems = new ArrayList<>();
        LockedPath path = LockedPath.parse(binding.paths(), config, binding.mode(), method, where, problems);
        Optional<Duration> timeout = Optional.empty();
        if (!binding.timeout().isBlank()) {
            try {
                timeout = Optional.of(PersistenceSettings.parseDuration(binding.timeout().trim()));
            } catch (IllegalArgumentException e) {
                LockedDefinitionException problem = new LockedDefinitionException(where, "@Locked " + where
                        + " has timeout '" + binding.timeout() + "', which is not a duration (e.g. 5s, 250ms, PT1M)");
                problem.initCause(e);
                problems.add(problem);
            }
        }
        AsyncReturnTypes.Handling handling = returnTypes.handling(method);
        if (handling.kind() == AsyncReturnTypes.Kind.REFUSED) {
            problems.add(new LockedDefinitionException(where, "@Locked " + where + " " + handling.refusal()));
        }
        return new Checked(path, timeout, handling, List.copyOf(problems));
    }
}
