package dev.persistence;

import java.time.Duration;
import java.util.Objects;

/**
 * A consistent snapshot of a {@link LockManager}'s state, taken at one instant.
 *
 * @param queued requests waiting now (not yet granted)
 * @param activeReaders read requests held now; a re-entrant nested hold is not counted again
 * @param activeWriters write requests held now; a re-entrant nested hold is not counted again
 * @param oldestWait how long the oldest waiting request has waited; {@link Duration#ZERO} when none waits
 * @param nodes path nodes kept in memory now; {@code 0} when nothing is held or waiting
 */
public record LockStats(int queued, int activeReaders, int activeWriters, Duration oldestWait, int nodes) {

    public LockStats {
        Objects.requireNonNull(oldestWait, "oldestWait");
    }

    /** Whether nothing is held, nothing waits and no node is kept. */
    public boolean idle() {
        return queued == 0 && activeReaders == 0 && activeWriters == 0 && nodes == 0;
    }
}
