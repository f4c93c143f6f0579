package dev.persistence.quarkus.deployment.devmode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.PersistenceClient;
import io.quarkus.runtime.StartupEvent;

/** At start-up: holds a WRITE lock, queues a READ behind it, and leaves an orphaned temp file under the root. */
@ApplicationScoped
public class BusyApplication {

    void start(@Observes StartupEvent start, LockManager manager, PersistenceClient client) {
        manager.acquireAsync(Path.of("/devui/held"), LockMode.WRITE).join(); // never released
        manager.acquireAsync(Path.of("/devui/held/child"), LockMode.READ); // waits behind it
        try {
            Path root = Files.createDirectories(client.root().orElseThrow().resolve("orders"));
            Files.writeString(root.resolve(".42.json.0123456789abcdef.persistence.tmp"), "half a write");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
