package dev.persistence.cdi;

import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import dev.persistence.LockMode;
import dev.persistence.Locked;

/**
 * A parsed {@link Locked} path template of one method: literal text, configuration values
 * ({@code ${key}}, expanded once) and placeholders ({@code {name}} or {@code {index}}) resolved
 * against the call's arguments. Parsing checks
 * everything that does not depend on the arguments, so a bad template fails on first use (or at
 * build time in Quarkus) rather than halfway through a call.
 */
public final class LockedPath {

    private final String template;
    private final LockMode mode;
    /** Literal strings and Integer parameter indexes, in order. */
    private final List<Object> parts;

    private LockedPath(String template, LockMode mode, List<Object> parts) {
        this.template = template;
        this.mode = mode;
        this.parts = parts;
    }

    public LockMode mode() {
        return mode;
    }

    /**
     * Parses {@code locked}'s template for {@code method}, expanding {@code ${key}} from
     * {@code config}; IllegalArgumentException says what is wrong.
     */
    public static LockedPath parse(Locked locked, Method method, Function<String, Optional<String>> config) {
        Parameter[] parameters = method.getParameters();
        List<String> names = new ArrayList<>(parameters.length);
        for (Parameter parameter : parameters) {
            names.add(parameter.isNamePresent() ? parameter.getName() : null);
        }
        String where = describe(method);
        return parse(expand(locked.path(), config, where), locked.mode(), names, where);
    }

    /**
     * Replaces each {@code ${key}} of a template with the configuration value of {@code key}, a
     * trusted value that may span several segments (such as {@code ${persistence.root}}).
     */
    public static String expand(String template, Function<String, Optional<String>> config, String where) {
        StringBuilder expanded = new StringBuilder();
        int at = 0;
        for (int open = template.indexOf("${"); open >= 0; open = template.indexOf("${", at)) {
            int close = template.indexOf('}', open);
            if (close < 0) {
                throw new IllegalArgumentException("@Locked path '" + template + "' on " + where + " has an unclosed '${'");
            }
            String key = template.substring(open + 2, close);
            String value = config.apply(key).orElseThrow(() -> new IllegalArgumentException("@Locked path '"
                    + template + "' on " + where + " refers to '" + key + "', which has no configured value"));
            expanded.append(template, at, open).append(value);
            at = close + 1;
        }
        return expanded.append(template.substring(at)).toString();
    }

    /**
     * Parses an expanded template against a method's parameter names ({@code null} where the
     * class file does not record a name); {@code where} names the method in error messages.
     */
    public static LockedPath parse(String template, LockMode mode, List<String> parameterNames, String where) {
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("@Locked path '" + template + "' on " + where + " must be absolute");
        }
        List<Object> parts = new ArrayList<>();
        int at = 0;
        while (at < template.length()) {
            int open = template.indexOf('{', at);
            if (open < 0) {
                parts.add(template.substring(at));
                break;
            }
            int close = template.indexOf('}', open);
            if (close < 0) {
                throw new IllegalArgumentException("@Locked path '" + template + "' on " + where + " has an unclosed '{'");
            }
            if (open > at) {
                parts.add(template.substring(at, open));
            }
            parts.add(parameterIndex(template.substring(open + 1, close), parameterNames, template, where));
            at = close + 1;
        }
        return new LockedPath(template, mode, List.copyOf(parts));
    }

    private static Integer parameterIndex(String name, List<String> names, String template, String where) {
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
        throw new IllegalArgumentException("@Locked path '" + template + "' on " + where + " names '{" + name
                + "}', which matches no parameter" + (names.contains(null) ? " (compile with -parameters)" : ""));
    }

    /** The path for one call; IllegalArgumentException when a value is not one path segment. */
    public Path resolve(Object[] arguments) {
        StringBuilder path = new StringBuilder(template.length() + 16);
        for (Object part : parts) {
            if (part instanceof Integer index) {
                path.append(segment(String.valueOf(arguments[index]), index));
            } else {
                path.append((String) part);
            }
        }
        return Path.of(path.toString());
    }

    private String segment(String value, int index) {
        if (value.isEmpty() || value.equals(".") || value.equals("..") || value.indexOf('/') >= 0
                || value.indexOf('\0') >= 0 || value.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("@Locked path '" + template + "': argument " + index + " ('"
                    + value.replace("\0", "\\0") + "') is not a single path segment");
        }
        return value;
    }

    static String describe(Method method) {
        return method.getDeclaringClass().getName() + "#" + method.getName();
    }

    @Override
    public String toString() {
        return mode + " " + template;
    }
}
