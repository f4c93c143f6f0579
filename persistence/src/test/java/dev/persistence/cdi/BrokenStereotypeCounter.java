package dev.persistence.cdi;

import jakarta.enterprise.context.ApplicationScoped;

/** Bound through {@link AuditedCounter} to {@code /counters/{0}}, with a method that has no parameter 0. */
@ApplicationScoped
@AuditedCounter
public class BrokenStereotypeCounter {

    public void reset() {
    }
}
