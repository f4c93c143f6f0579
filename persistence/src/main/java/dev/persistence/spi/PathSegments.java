package dev.persistence.spi;

import dev.persistence.LockedPathValueException;

/**
 * Whether a value is exactly one path segment: not {@code null}, not empty, not {@code .} or
 * {@code ..}, and without {@code /}, {@code \}, NUL, another control character or a line or
 * paragraph separator. Such a value, appended to a directory, names an entry of that directory and
 * nothing else, on every platform.
 */
public final class PathSegments {

    /*
     * THE check of a value meant as one path segment, written once: @Locked applies it to every
     * placeholder value of a template, PersistenceClient.resolve to every segment it is given. So a
     * value one accepts the other accepts, and both refuse with the same exception and words.
     */

    private PathSegments() {
    }

    /** Whether {@code value} is one path segment. */
    public static boolean isSegment(String value) {
        if (value == null || value.isEmpty() || value.equals(".") || value.equals("..")) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '/' || c == '\\' || isControl(c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns {@code value} if it is one path segment.
     *
     * @param subject what the value is, for the message (e.g. {@code @Locked path '/a/{id}': {id}})
     * @throws LockedPathValueException if it is not; the message quotes the value with control
     *         characters escaped
     */
    public static String require(String value, String subject) {
        if (!isSegment(value)) {
            throw new LockedPathValueException(value == null ? subject + " is null, not a path segment"
                    : subject + " ('" + printable(value) + "') is not a single path segment");
        }
        return value;
    }

    private static boolean isControl(char c) {
        return Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
    }

    private static String printable(String value) {
        StringBuilder shown = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (isControl(c)) {
                shown.append(String.format("\\u%04x", (int) c));
            } else {
                shown.append(c);
            }
        }
        return shown.toString();
    }
}
