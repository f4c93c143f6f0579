package dev.persistence;

/**
 * A {@link dev.persistence.Locked @Locked} call refused before the method ran because an argument
 * named by the path template is not one path segment: {@code null}, empty, {@code .} or
 * {@code ..}, or containing a separator, NUL or another control character. Usually the
 * caller's input is at fault (a REST mapping answers 400).
 */
public class LockedPathValueException extends PathRefusedException {

    private static final long serialVersionUID = 1L;

    public LockedPathValueException(String message) {
        super(Reason.NOT_A_SEGMENT, null, message);
    }
}
