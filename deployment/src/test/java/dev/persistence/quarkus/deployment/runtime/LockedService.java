package dev.persistence.quarkus.deployment.runtime;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import dev.persistence.LockMode;
import dev.persistence.Locked;

@ApplicationScoped
public class LockedService {

    @Locked(path = "/accounts/{id}", mode = LockMode.WRITE)
    public void hold(String id, CountDownLatch entered, CountDownLatch release) throws InterruptedException {
        entered.countDown();
        release.await(10, TimeUnit.SECONDS);
    }
}
