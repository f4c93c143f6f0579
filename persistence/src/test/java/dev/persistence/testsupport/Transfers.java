package dev.persistence.testsupport;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.List;

import dev.persistence.Batch;
import dev.persistence.LockMode;
import dev.persistence.PathLock;
import dev.persistence.PersistenceClient;

/** The transfer workload of the batch tests: money moved between account files, one batch per transfer. */
public final class Transfers {

    private Transfers() {
    }

    /**
     * Moves up to {@code amount} from one account file (a decimal balance) to another in one batch,
     * read and written under one WRITE lock on both, which the batch's commit runs inside.
     */
    public static void transfer(PersistenceClient client, Path from, Path to, long amount) throws IOException {
        try (PathLock lock = client.lockManager().acquireAll(List.of(from, to), LockMode.WRITE);
                Batch batch = client.batch()) {
            long source = Long.parseLong(client.readString(from));
            long moved = Math.min(source, amount);
            batch.writeString(from, Long.toString(source - moved));
            batch.writeString(to, Long.toString(Long.parseLong(client.readString(to)) + moved));
            batch.commit();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the accounts' lock");
        }
    }
}
