package dev.persistence.payara;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.persistence.LockMode;
import dev.persistence.Locked;
import dev.persistence.PersistenceClient;

/** Counters kept in files under persistence.root, incremented under a @Locked write lock. */
@ApplicationScoped
public class Counters {

    @Inject
    PersistenceClient client;

    @Locked(path = "${persistence.root}/{name}", mode = LockMode.WRITE)
    public long increment(String name) throws IOException {
        Path file = client.root().orElseThrow().resolve(name);
        long value;
        try {
            value = Long.parseLong(client.readString(file).trim());
        } catch (NoSuchFileException first) {
            value = 0;
        }
        client.writeString(file, Long.toString(value + 1));
        return value + 1;
    }
}
