package dev.persistence.quarkus.observe;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.inject.Qualifier;

/**
 * The lock manager as the portable library produces it, before observation. With Micrometer or OpenTelemetry
 * tracing present, the deployment module adds this qualifier to the portable producer (and its disposer), and
 * the application's {@code @Default} {@code LockManager} becomes the {@link ObservedLockManager} around it.
 */
@Qualifier
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.METHOD, ElementType.FIELD, ElementType.PARAMETER, ElementType.TYPE })
public @interface Uninstrumented {
}
