package dev.persistence.cdi;

import static java.lang.annotation.ElementType.TYPE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import java.lang.annotation.Retention;
import java.lang.annotation.Target;

import jakarta.enterprise.inject.Stereotype;

/** A stereotype declaring another: its beans are bound to {@code @Locked} through {@link CounterLock}. */
@Stereotype
@CounterLock
@Retention(RUNTIME)
@Target(TYPE)
public @interface AuditedCounter {
}
