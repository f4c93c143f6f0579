package dev.persistence.cdi;

import java.util.concurrent.Flow;

import jakarta.enterprise.context.ApplicationScoped;

import dev.persistence.Locked;

/** Three mistakes at once: every one must be reported when the application starts. */
@ApplicationScoped
public class BrokenLockedService {

    @Locked(path = "${persistence.root}/orders/{orderId}")
    public void unknownParameter(String id) {
    }

    @Locked(path = "${no.such.key}/orders/{id}")
    public void unsetKey(String id) {
    }

    @Locked(path = "/orders/{id}")
    public Flow.Publisher<String> stream(String id) {
        return subscriber -> {
        };
    }
}
