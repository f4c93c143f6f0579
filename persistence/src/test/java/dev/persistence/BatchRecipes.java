package dev.persistence;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Batch recipes other than the real one, made of its steps in {@link BatchJournal}: deliberately
 * broken ones, the controls of the crash tests, which must catch them; and the real one stopped
 * where a crash would stop it, for the tests of recovery.
 */
public final class BatchRecipes {

    /** How a recipe differs from the real one. */
    public enum Recipe {
        /** Broken: the intent is written without an fsync of its data or of its directory. */
        INTENT_NOT_SYNCED,
        /** Broken: the renames and deletes happen before the intent is written. */
        CHANGES_BEFORE_INTENT,
        /** The real recipe, stopped right after its commit point as a crash would stop it. */
        STOPPED_AFTER_COMMIT_POINT
    }

    private BatchRecipes() {
    }

    /**
     * Commits the writes ({@code content} non-null) and deletes ({@code content} null, recursive) of
     * {@code changes} with {@code recipe}, under the client's lock on their paths.
     */
    public static void commit(Recipe recipe, PersistenceClient client, Map<Path, byte[]> changes) throws IOException {
        List<BatchJournal.Change> list = new ArrayList<>();
        changes.forEach((path, content) -> list.add(new BatchJournal.Change(path, content, content == null)));
        BatchJournal journal = client.batches();
        // Same temp suffix (the default) as the clients of the tests that use this.
        BatchJournal unsynced = PersistenceClient.builder(client.lockManager()).durability(Durability.NO_SYNC).build()
                .batches();
        try (PathLock lock = client.lockAll(List.copyOf(changes.keySet()))) {
            Map<Path, AtomicReplacement.Temp> temps = new HashMap<>();
            journal.prepare(list, Set.of(), temps);
            switch (recipe) {
                case INTENT_NOT_SYNCED -> {
                    Path intent = unsynced.writeIntent(lock, list);
                    journal.finish(intent, journal.applyChanges(lock, list, temps, Map.of()));
                }
                case CHANGES_BEFORE_INTENT -> {
                    Set<Path> changed = journal.applyChanges(lock, list, temps, Map.of());
                    journal.finish(journal.writeIntent(lock, list), changed);
                }
                case STOPPED_AFTER_COMMIT_POINT -> journal.writeIntent(lock, list);
            }
        }
    }
}
