package dev.persistence.cdi;

import static java.lang.annotation.ElementType.TYPE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import java.lang.annotation.Retention;
import java.lang.annotation.Target;

import jakarta.enterprise.inject.Stereotype;

import dev.persistence.Locked;

/** A stereotype that binds {@code @Locked}: every business method of its beans locks the counter. */
@Stereotype
@Locked(path = "/counters/{0}")
@Retention(RUNTIME)
@Target(TYPE)
public @interface CounterLock {
}
