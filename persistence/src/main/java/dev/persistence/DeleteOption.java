package dev.persistence;

/** Options of {@link PersistenceClient#delete}. */
public enum DeleteOption {
    /** Delete a directory together with everything below it. */
    RECURSIVE,
    /** Do nothing, rather than throw {@link java.nio.file.NoSuchFileException}, when the path does not exist. */
    IGNORE_MISSING
}
