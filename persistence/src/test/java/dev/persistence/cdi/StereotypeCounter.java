package dev.persistence.cdi;

import jakarta.enterprise.context.ApplicationScoped;

/** Bound to {@code @Locked} by a stereotype only. */
@ApplicationScoped
@CounterLock
public class StereotypeCounter extends Counter {
}
