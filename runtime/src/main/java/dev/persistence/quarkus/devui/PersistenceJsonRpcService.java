package dev.persistence.quarkus.devui;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import dev.persistence.LockInfo;
import dev.persistence.LockManager;
import dev.persistence.LockStats;
import dev.persistence.PersistenceClient;
import dev.persistence.cdi.PersistenceSettings;

/**
 * The Dev UI card's JSON-RPC methods (dev mode only): the live holders and waiters, the storage settings,
 * the orphaned temp files under the root and a "recover now" action. Registered by the deployment module.
 */
public class PersistenceJsonRpcService {

    /** At most this many holders and waiters are listed: the page stays light however busy the manager. */
    static final int MAX_LOCKS = 200;

    @Inject
    LockManager manager;

    @Inject
    PersistenceClient client;

    @Inject
    PersistenceSettings settings;

    /** {@code {stats: {...}, locks: [{path, mode, thread, state, ageMs}], truncated}}. */
    public Map<String, Object> getLocks() {
        LockStats stats = manager.stats();
        List<LockInfo> locks = manager.locks(MAX_LOCKS + 1);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("stats", Map.of("queued", stats.queued(), "activeReaders", stats.activeReaders(),
                "activeWriters", stats.activeWriters(), "oldestWaitMs", stats.oldestWait().toMillis(),
                "available", manager.isAvailable()));
        answer.put("locks", locks.stream().limit(MAX_LOCKS).map(lock -> Map.of(
                "path", lock.path().toString(), "mode", lock.mode().name(), "thread", lock.thread(),
                "state", lock.state().name(), "ageMs", lock.age().toMillis())).toList());
        answer.put("truncated", locks.size() > MAX_LOCKS);
        return answer;
    }

    /** The effective storage settings, whichever key name set them. */
    public Map<String, Object> getSettings() {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("root", settings.root().map(Path::toString).orElse("(none: any absolute path)"));
        answer.put("durable", settings.durable());
        answer.put("tempSuffix", settings.tempSuffix());
        answer.put("fileMode", settings.fileMode().map(PosixFilePermissions::toString)
                .orElse("(none: a replaced file keeps its mode)"));
        answer.put("lockTimeout", settings.lockTimeout().map(Object::toString).orElse("(none: wait forever)"));
        answer.put("recoverOnStart", settings.recoverOnStart());
        answer.put("lockManager", settings.lockManager());
        answer.put("healthMaxQueued", settings.healthMaxQueued());
        answer.put("healthMaxWait", settings.healthMaxWait().toString());
        return answer;
    }

    /**
     * The temp files under the root now: orphans of interrupted writes, or writes in flight. {@code -1} without a
     * root (nothing to scan).
     */
    public long getOrphanCount() throws IOException {
        if (settings.root().isEmpty() || !Files.isDirectory(settings.root().get())) {
            return settings.root().isEmpty() ? -1 : 0;
        }
        try (Stream<Path> files = Files.walk(settings.root().get())) {
            return files.filter(Files::isRegularFile).filter(f -> client.isTempName(f.getFileName().toString()))
                    .count();
        }
    }

    /** Recovers the root now (under a WRITE lock on it) and returns how many temp files were removed. */
    public int recover() throws IOException {
        Path root = settings.root().orElseThrow(() -> new IllegalStateException("no persistence.root configured"));
        return client.recover(root);
    }
}
