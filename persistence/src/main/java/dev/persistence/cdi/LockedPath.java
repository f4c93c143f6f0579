package dev.persistence.cdi;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import dev.persistence.LockMode;
import dev.persistence.Locked;
import dev.persistence.cdi.spi.LockedSignature;
import dev.persistence.spi.PathSegments;

/**
 * The parsed {@link Locked} path templates of one method: literal text, configuration values
 * ({@code ${key}}, expanded once), the root for a template relative to it, and placeholders
 * ({@code {name}}, {@code {index}}, {@code {name.property...}}) resolved against the call's
 * arguments. Parsing checks everything that does not depend on the arguments, so a bad template
 * fails at start-up (or at build time in Quarkus) rather than halfway through a call.
 */
public final class LockedPath {

    /*
     * Compiled once per method, so that a call does no more than it must: configuration values and
     * the root are expanded at parse time, a template without placeholders is a Path resolved once
     * (a method whose templates are all constant has its folded paths ready), and a template with
     * placeholders keeps its literal pieces, so that a call reads each value, checks it as one segment
     * (PathSegments, the check PersistenceClient.resolve shares) and joins the pieces once.
     */

    private final LockMode mode;
    private final List<Template> templates;
    /** The folded paths when no template has a placeholder, else {@code null}. */
    private final List<Path> constant;

    private LockedPath(LockMode mode, List<Template> templates) {
        this.mode = mode;
        this.templates = templates;
        this.constant = templates.stream().allMatch(t -> t.constant != null)
                ? List.copyOf(fold(templates.stream().map(t -> t.constant).toList()))
                : null;
    }

    public LockMode mode() {
        return mode;
    }

    /**
     * Expands and parses each template of a method ({@code where} names it in messages, which quote
     * each template as written); every problem found is added to {@code problems}.
     *
     * @return the parsed templates, or {@code null} if any has a problem
     */
    static LockedPath parse(List<String> templates, Function<String, Optional<String>> config, LockMode mode,
            LockedSignature method, String where, List<LockedDefinitionException> problems) {
        List<Template> parsed = new ArrayList<>(templates.size());
        int before = problems.size();
        if (templates.isEmpty()) {
            problems.add(new LockedDefinitionException(where, "@Locked on " + where + " names no path"));
        }
        for (String template : templates) {
            try {
                parsed.add(Template.parse(template, expand(template, config, where), method, where));
            } catch (LockedDefinitionException problem) {
                problems.add(problem);
            }
        }
        return problems.size() > before ? null : new LockedPath(mode, List.copyOf(parsed));
    }

    /**
     * Replaces each {@code ${key}} of a template with the configuration value of {@code key}, a
     * trusted value that may span several segments (such as {@code ${persistence.root}}), and puts
     * {@code persistence.root} before a template that starts with neither {@code /} nor <code>${</code>.
     */
    static String expand(String template, Function<String, Optional<String>> config, String where) {
        StringBuilder expanded = new StringBuilder();
        if (!template.startsWith("/") && !template.startsWith("${")) {
            String root = config.apply(PersistenceSettings.ROOT).orElseThrow(() -> new LockedDefinitionException(where,
                    "@Locked path '" + template + "' on " + where + " is relative to " + PersistenceSettings.ROOT
                            + ", which has no configured value: configure the root or write an absolute path"));
            expanded.append(root).append(root.endsWith("/") ? "" : "/");
        }
        int at = 0;
        for (int open = template.indexOf("${"); open >= 0; open = template.indexOf("${", at)) {
            int close = template.indexOf('}', open);
            if (close < 0) {
                throw new LockedDefinitionException(where,
                        "@Locked path '" + template + "' on " + where + " has an unclosed '${'");
            }
            String key = template.substring(open + 2, close);
            String value = config.apply(key).orElseThrow(() -> new LockedDefinitionException(where, "@Locked path '"
                    + template + "' on " + where + " refers to '" + key + "', which has no configured value"));
            expanded.append(template, at, open).append(value);
            at = close + 1;
        }
        return expanded.append(template.substring(at)).toString();
    }

    /** Whether one call's paths are a single path: then {@link #resolveOne} gives it. */
    public boolean single() {
        return constant != null ? constant.size() == 1 : templates.size() == 1;
    }

    /**
     * The path of one call of a {@link #single()} method.
     *
     * @throws dev.persistence.LockedPathValueException when a value is not one path segment
     */
    public Path resolveOne(Object[] arguments) {
        return constant != null ? constant.get(0) : templates.get(0).resolve(arguments);
    }

    /**
     * The paths of one call, folded: each path once, none at or below another.
     *
     * @throws dev.persistence.LockedPathValueException when a value is not one path segment
     */
    public List<Path> resolve(Object[] arguments) {
        if (constant != null) {
            return constant;
        }
        List<Path> paths = new ArrayList<>(templates.size());
        for (Template template : templates) {
            paths.add(template.resolve(arguments));
        }
        return fold(paths);
    }

    /** {@code paths} without repeats and without any path at or below another of them, in order. */
    static List<Path> fold(List<Path> paths) {
        List<Path> kept = new ArrayList<>(paths.size());
        next: for (Path path : paths) {
            for (int i = 0; i < kept.size(); i++) {
                Path other = kept.get(i);
                if (path.startsWith(other)) {
                    continue next;
                }
                if (other.startsWith(path)) {
                    kept.remove(i--);
                }
            }
            kept.add(path);
        }
        return kept;
    }

    @Override
    public String toString() {
        return mode + " " + templates.stream().map(t -> t.template).toList();
    }

    /** One template: {@code literals[0] value[0] literals[1] ... value[n-1] literals[n]}. */
    private static final class Template {
        /** As the user wrote it, quoted in every message. */
        final String template;
        final String[] literals;
        final Placeholder[] placeholders;
        /** The path when the template has no placeholder. */
        final Path constant;

        private Template(String template, List<String> literals, List<Placeholder> placeholders) {
            this.template = template;
            this.literals = literals.toArray(String[]::new);
            this.placeholders = placeholders.toArray(Placeholder[]::new);
            this.constant = placeholders.isEmpty() ? Path.of(literals.get(0)) : null;
        }

        static Template parse(String template, String expanded, LockedSignature method, String where) {
            if (!expanded.startsWith("/")) {
                throw new LockedDefinitionException(where, "@Locked path '" + template + "' on " + where + " must be absolute");
            }
            List<String> literals = new ArrayList<>();
            List<Placeholder> placeholders = new ArrayList<>();
            int at = 0;
            for (int open = expanded.indexOf('{'); open >= 0; open = expanded.indexOf('{', at)) {
                int close = expanded.indexOf('}', open);
                if (close < 0) {
                    throw new LockedDefinitionException(where,
                            "@Locked path '" + template + "' on " + where + " has an unclosed '{'");
                }
                literals.add(expanded.substring(at, open));
                placeholders.add(Placeholder.parse(expanded.substring(open + 1, close), method, template, where));
                at = close + 1;
            }
            literals.add(expanded.substring(at));
            Template parsed = new Template(template, literals, placeholders);
            if (parsed.constant != null) {
                requireNormal(parsed.constant, template, where);
            }
            return parsed;
        }

        private static void requireNormal(Path path, String template, String where) {
            if (!path.equals(path.normalize())) {
                throw new LockedDefinitionException(where, "@Locked path '" + template + "' on " + where
                        + " is not in normal form (it has '.' or '..' segments)");
            }
        }

        Path resolve(Object[] arguments) {
            if (constant != null) {
                return constant;
            }
            if (placeholders.length == 1) { // the common shape: one concatenation, no builder
                return Path.of(literals[0] + placeholders[0].value(arguments) + literals[1]);
            }
            String[] values = new String[placeholders.length];
            int length = literals[0].length();
            for (int i = 0; i < values.length; i++) {
                values[i] = placeholders[i].value(arguments);
                length += values[i].length() + literals[i + 1].length();
            }
            StringBuilder path = new StringBuilder(length).append(literals[0]);
            for (int i = 0; i < values.length; i++) {
                path.append(values[i]).append(literals[i + 1]);
            }
            return Path.of(path.toString());
        }
    }

    /**
     * {@code {parameter}} or {@code {parameter.property...}}: a parameter by name or index, then
     * the properties read from it in turn ({@link LockedSignature#propertyType}).
     */
    private static final class Placeholder {
        final int parameter;
        /** The accessors of the properties, bound when the method is reflected; empty at build time. */
        final Method[] accessors;
        /** What the value is, for the refusal's message: built once. */
        final String subject;

        private Placeholder(int parameter, Method[] accessors, String subject) {
            this.parameter = parameter;
            this.accessors = accessors;
            this.subject = subject;
        }

        static Placeholder parse(String name, LockedSignature method, String template, String where) {
            String[] chain = name.split("\\.", -1);
            int index = parameterIndex(chain[0], method.parameterNames(), template, where);
            String type = method.parameterTypes().get(index);
            List<Method> accessors = new ArrayList<>();
            for (int i = 1; i < chain.length; i++) {
                String property = chain[i];
                String owner = type;
                type = method.propertyType(owner, property).orElseThrow(() -> new LockedDefinitionException(where,
                        "@Locked path '" + template + "' on " + where + " names '{" + name + "}', but " + owner
                                + " has no property '" + property + "' (a record component or a public getter)"));
                if (method instanceof ReflectedSignature reflected) {
                    // The interceptor's own plan: bind the accessor now, so that a call only invokes it.
                    Method accessor = reflected.accessor(owner, property).orElseThrow();
                    accessor.trySetAccessible(); // a record nested in a bean is often not public
                    accessors.add(accessor);
                }
            }
            String subject = "@Locked path '" + template + "': " + (chain.length == 1 && Character.isDigit(name.charAt(0))
                    ? "argument " + index
                    : "{" + name + "}");
            return new Placeholder(index, accessors.toArray(Method[]::new), subject);
        }

        private static int parameterIndex(String name, List<String> names, String template, String where) {
            if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
                int index = Integer.parseInt(name);
                if (index < names.size()) {
                    return index;
                }
            } else {
                int index = names.indexOf(name);
                if (index >= 0) {
                    return index;
                }
            }
            throw new LockedDefinitionException(where, "@Locked path '" + template + "' on " + where + " names '{" + name
                    + "}', which matches no parameter" + (names.contains(null) ? " (compile with -parameters)" : ""));
        }

        /** The value of this placeholder in one call, checked to be one segment. */
        String value(Object[] arguments) {
            Object value = arguments[parameter];
            for (int i = 0; i < accessors.length && value != null; i++) {
                value = read(accessors[i], value);
            }
            return PathSegments.require(value == null ? null : value.toString(), subject);
        }

        private static Object read(Method accessor, Object target) {
            try {
                return accessor.invoke(target);
            } catch (InvocationTargetException failure) {
                Throwable cause = failure.getCause();
                if (cause instanceof RuntimeException unchecked) {
                    throw unchecked;
                }
                if (cause instanceof Error error) {
                    throw error;
                }
                throw new IllegalStateException("@Locked could not read " + accessor, cause);
            } catch (IllegalAccessException refused) {
                throw new IllegalStateException("@Locked may not read " + accessor, refused);
            }
        }
    }
}
