package dev.persistence.cdi;

import java.nio.file.Path;

import dev.persistence.LockContext;
import dev.persistence.LockMode;

/** A bean method that reports whether it runs under the lock its subclasses' stereotypes bind. */
public abstract class Counter {

    /** Whether the call runs under the write lock of {@code /counters/<id>}. */
    public boolean bump(String id) {
        return LockContext.covers(Path.of("/counters", id), LockMode.WRITE);
    }
}
