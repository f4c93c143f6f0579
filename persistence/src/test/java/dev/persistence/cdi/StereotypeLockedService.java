package dev.persistence.cdi;

import static java.lang.annotation.ElementType.TYPE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import java.lang.annotation.Retention;
import java.lang.annotation.Target;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Stereotype;

import dev.persistence.LockMode;
import dev.persistence.Locked;

/** Locked only through a stereotype: every method locks the stereotype's path. */
@ApplicationScoped
@StereotypeLockedService.Guarded
public class StereotypeLockedService {

    /** A stereotype carrying {@code @Locked}, as an application would declare one for many beans. */
    @Stereotype
    @Locked(path = "/stereotype-level", mode = LockMode.WRITE)
    @Retention(RUNTIME)
    @Target(TYPE)
    public @interface Guarded {
    }

    public void hold(CountDownLatch entered, CountDownLatch release) throws InterruptedException {
        entered.countDown();
        release.await(10, TimeUnit.SECONDS);
    }
}
