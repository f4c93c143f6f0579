package dev.persistence.cdi;

/**
 * A {@link dev.persistence.Locked @Locked} method that cannot run as declared: a path template
 * that is not absolute, a placeholder that names no parameter, a configuration key without a
 * value, a timeout that is not a duration, or a result its lock cannot be held across. Thrown (all
 * of an application's at once) when the application is built under Quarkus or started elsewhere,
 * and never for a call's arguments. The message names the method and quotes the template as
 * written.
 */
public class LockedDefinitionException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String method;

    /** A problem of {@code method} ({@code class#name}), described by {@code message}. */
    public LockedDefinitionException(String method, String message) {
        super(message);
        this.method = method;
    }

    /** The method, as {@code declaring.Class#name}. */
    public String method() {
        return method;
    }
}
