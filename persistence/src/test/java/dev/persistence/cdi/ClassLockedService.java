package dev.persistence.cdi;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import dev.persistence.LockMode;
import dev.persistence.Locked;

/** Every method locks the class's path, except where a method says otherwise. */
@ApplicationScoped
@Locked(path = "/class-level", mode = LockMode.WRITE)
public class ClassLockedService {

    public void hold(CountDownLatch entered, CountDownLatch release) throws InterruptedException {
        entered.countDown();
        release.await(10, TimeUnit.SECONDS);
    }

    @Locked(path = "/method-level/{0}", mode = LockMode.READ)
    public void own(String name, CountDownLatch entered, CountDownLatch release) throws InterruptedException {
        entered.countDown();
        release.await(10, TimeUnit.SECONDS);
    }
}
