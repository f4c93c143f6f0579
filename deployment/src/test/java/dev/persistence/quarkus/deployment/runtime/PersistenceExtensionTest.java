package dev.persistence.quarkus.deployment.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.LockTimeoutException;
import dev.persistence.PersistenceClient;
import io.quarkus.arc.Arc;
import io.quarkus.test.QuarkusUnitTest;

/** The extension in a Quarkus application without SmallRye Health: beans, @Locked, configuration. */
class PersistenceExtensionTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(LockedService.class))
            .overrideConfigKey("persistence.durable", "true")
            .overrideConfigKey("persistence.root", "/tmp/persistence-quarkus-test")
            .overrideConfigKey("persistence.lock-timeout", "200ms");

    @Inject
    LockManager manager;

    @Inject
    PersistenceClient client;

    @Inject
    LockedService service;

    @Test
    void beansAreInjectedAndConfigured() {
        assertTrue(client.durable());
        assertEquals(Path.of("/tmp/persistence-quarkus-test"), client.root().orElseThrow());
        assertThrows(IllegalArgumentException.class, () -> client.read(Path.of("/etc/hostname")));
    }

    @Test
    void lockedMethodsRunUnderTheirLockAndHonourTheTimeout() throws Exception {
        CountDownLatch entered = new CountDownLatch(1), release = new CountDownLatch(1);
        CompletableFuture<Void> call = CompletableFuture.runAsync(() -> {
            try {
                service.hold("7", entered, release);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(entered.await(10, TimeUnit.SECONDS));
        assertEquals(1, manager.stats().activeWriters());
        assertThrows(LockTimeoutException.class, () -> manager.acquire(Path.of("/accounts/7/x"), LockMode.READ,
                Duration.ZERO));
        assertThrows(LockTimeoutException.class, () -> service.hold("7", new CountDownLatch(1), new CountDownLatch(0)),
                "persistence.lock-timeout did not apply to @Locked");
        release.countDown();
        call.get(10, TimeUnit.SECONDS);
        assertTrue(manager.stats().idle());
        assertThrows(IllegalArgumentException.class, () -> service.hold("..", new CountDownLatch(1), new CountDownLatch(0)));
    }

    @Test
    void noReadinessCheckWithoutSmallRyeHealth() {
        boolean present = Arc.container().beanManager().getBeans(Object.class, Any.Literal.INSTANCE).stream()
                .anyMatch(bean -> bean.getBeanClass().getName().equals("dev.persistence.cdi.PersistenceReadinessCheck"));
        assertTrue(!present, "the readiness check was registered without the health extension");
    }
}
