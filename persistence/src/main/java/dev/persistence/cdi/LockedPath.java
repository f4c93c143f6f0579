package dev.persistence.cdi;

import dev.persistence.LockedPathValueException;

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

    /** The template as the user wrote it, quoted in every message. */
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
     * Expands and parses {@code template} against a method's parameter names ({@code null} where
     * the class file does not record a name); {@code where} names the method in messages, which
     * quote {@code template} as written. A {@link LockedDefinitionException} says what is wrong.
     */
    static LockedPath parse(String template, Function<String, Optional<String>> config, LockMode mode,
                                   List<String> parameterNames, String where) {
        return parse(expand(template, config, where), template, mode, parameterNames, where);
    }

    /**
     * Replaces each {@code ${key}} of a template with the configuration value of {@code key}, a
     * trusted value that may span several segments (such as {@code ${persistence.root}}).
     */
    static String expand(String template, Function<String, Optional<String>> config, String where) {
        StringBuilder expanded = new StringBuilder();
        int at = 0;
        for (int open = template.indexOf("${"); open >= 0; open = template.indexOf("${", at)) {
            int close = template.indexOf('}', open);
            if (close < 0) {
                throw new LockedDefinitionException(where, "@Locked path '" + template + "' on " + where + " has an unclosed '${'");
            }
            String key = template.substring(open + 2, close);
            String value = config.apply(key).orElseThrow(() -> new LockedDefinitionException(where, "@Locked path '"
                    + template + "' on " + where + " refers to '" + key + "', which has no configured value"));
            expanded.append(template, at, open).append(value);
            at = close + 1;
        }
        return expanded.append(template.substring(at)).toString();
    }

    private static LockedPath parse(String expanded, String template, LockMode mode, List<String> parameterNames,
                                    String where) {
        if (!expanded.startsWith("/")) {
            throw new LockedDefinitionException(where, "@Locked path '" + template + "' on " + where + " must be absolute");
        }
        List<Object> parts = new ArrayList<>();
        int at = 0;
        while (at < expanded.length()) {
            int open = expanded.indexOf('{', at);
            if (open < 0) {
                parts.add(expanded.substring(at));
                break;
            }
            int close = expanded.indexOf('}', open);
            if (close < 0) {
                throw new LockedDefinitionException(where, "@Locked path '" + template + "' on " + where + " has an unclosed '{'");
            }
            if (open > at) {
                parts.add(expanded.substring(at, open));
            }
            parts.add(parameterIndex(expanded.substring(open + 1, close), parameterNames, template, where));
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
        throw new LockedDefinitionException(where, "@Locked path '" + template + "' on " + where + " names '{" + name
                + "}', which matches no parameter" + (names.contains(null) ? " (compile with -parameters)" : ""));
    }

    /** The path for one call; IllegalArgumentException when a value is not one path segment. */
    public Path resolve(Object[] arguments) {
        StringBuilder path = new StringBuilder(template.length() + 16);
        for (Object part : parts) {
            if (part instanceof Integer index) {
                path.append(segment(arguments[index], index));
            } else {
                path.append((String) part);
            }
        }
        return Path.of(path.toString());
    }

    private String segment(Object argument, int index) {
        if (argument == null) {
            throw new LockedPathValueException("@Locked path '" + template + "': argument " + index
                    + " is null, not a path segment");
        }
        String value = argument.toString();
        boolean refused = value.isEmpty() || value.equals(".") || value.equals("..");
        for (int i = 0; i < value.length() && !refused; i++) {
            char c = value.charAt(i);
            refused = c == '/' || c == '\\' || Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
        }
        if (refused) {
            throw new LockedPathValueException("@Locked path '" + template + "': argument " + index + " ('"
                    + printable(value) + "') is not a single path segment");
        }
        return value;
    }

    private static String printable(String value) {
        StringBuilder shown = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                shown.append(String.format("\\u%04x", (int) c));
            } else {
                shown.append(c);
            }
        }
        return shown.toString();
    }

    @Override
    public String toString() {
        return mode + " " + template;
    }
}
