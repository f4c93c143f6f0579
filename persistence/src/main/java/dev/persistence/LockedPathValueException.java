package dev.persistence;

/**
 * A value meant as one path segment is not one: {@code null}, empty, {@code .} or {@code ..}, or
 * containing a separator, NUL or another control character. Thrown when a
 * {@link dev.persistence.Locked @Locked} call is refused before the method ran because a value
 * named by its path template is such a value, and by {@link PersistenceClient#resolve} for such a
 * segment: both apply the same check. Usually the caller's input is at fault (a REST mapping
 * answers 400).
 */
public class LockedPathValueException extends PathRefusedException {

    private static final long serialVersionUID = 1L;

    public LockedPathValueException(String message) {
        super(Reason.NOT_A_SEGMENT, null, message);
    }
}
