package dev.persistence.cdi;

import jakarta.enterprise.context.ApplicationScoped;

/** Bound to {@code @Locked} by a stereotype on a stereotype. */
@ApplicationScoped
@AuditedCounter
public class NestedStereotypeCounter extends Counter {
}
