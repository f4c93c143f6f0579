package dev.persistence.quarkus.deployment.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.logging.Level;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.persistence.Durability;
import dev.persistence.cdi.PersistenceSettings;
import dev.persistence.quarkus.PersistenceRuntimeConfig;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The generated reference documents what the portable reader does: the mapping's defaults are the portable
 * defaults, and every portable key has a {@code quarkus.persistence} name that Quarkus recognises.
 */
class QuarkusConfigDefaultsTest {

    /** A valid value for every portable key; a key added to PersistenceSettings needs one here. */
    private static final Map<String, String> SAMPLES = Map.ofEntries(
            Map.entry(PersistenceSettings.DURABLE, "false"),
            Map.entry(PersistenceSettings.DURABILITY, "no-sync"),
            Map.entry(PersistenceSettings.TEMP_SUFFIX, "tmp"),
            Map.entry(PersistenceSettings.FILE_MODE, "0640"),
            Map.entry(PersistenceSettings.LOCK_TIMEOUT, "PT1M"),
            Map.entry(PersistenceSettings.RECOVER_ON_START, "false"),
            Map.entry(PersistenceSettings.HEALTH_MAX_QUEUED, "1000"),
            Map.entry(PersistenceSettings.HEALTH_MAX_WAIT, "30s"),
            Map.entry(PersistenceSettings.LOCK_MANAGER, "local"),
            Map.entry(PersistenceSettings.ZOOKEEPER_CONNECT, "localhost:2181"),
            Map.entry(PersistenceSettings.ZOOKEEPER_SESSION_TIMEOUT, "30s"),
            Map.entry(PersistenceSettings.ZOOKEEPER_NAMESPACE, "persistence"));

    @RegisterExtension
    static final QuarkusUnitTest APP = withEveryQuarkusName(new QuarkusUnitTest().withEmptyApplication())
            .setLogRecordPredicate(record -> record.getLevel().intValue() >= Level.WARNING.intValue()
                    && String.valueOf(record.getMessage()).contains("Unrecognized configuration key")
                    && List.of(record.getParameters()).toString().contains("persistence"))
            .assertLogRecords(records -> assertEquals(List.of(), records.stream()
                    .map(r -> List.of(r.getParameters())).toList(), "portable keys without a quarkus.persistence name"));

    private static QuarkusUnitTest withEveryQuarkusName(QuarkusUnitTest test) {
        Map<String, String> missing = new TreeMap<>();
        for (String key : PersistenceSettings.keys()) {
            if (key.equals(PersistenceSettings.ROOT)) {
                continue; // its default is "unset"; set below through the portable name only
            }
            String sample = SAMPLES.get(key);
            if (sample == null) {
                missing.put(key, "no sample value in QuarkusConfigDefaultsTest.SAMPLES");
            } else {
                test.overrideConfigKey("quarkus." + key, sample);
            }
        }
        assertEquals(Map.of(), missing);
        return test;
    }

    @Inject
    PersistenceSettings settings;

    @Inject
    PersistenceRuntimeConfig config;

    @Test
    void theMappingDefaultsAreThePortableDefaults() {
        PersistenceSettings portable = PersistenceSettings.read(new SmallRyeConfigBuilder().build());
        assertEquals(portable.durable(), config.durable());
        assertEquals(Optional.of(Durability.NO_SYNC), config.durability(), "set under its quarkus name");
        assertEquals(Durability.NO_SYNC, settings.durability());
        assertEquals(portable.tempSuffix(), config.tempSuffix());
        assertEquals(portable.root(), config.root());
        assertEquals(portable.recoverOnStart(), config.recoverOnStart());
        assertEquals(portable.lockManager(), config.lockManager());
        assertEquals(portable.healthMaxQueued(), config.health().maxQueued());
        assertEquals(portable.healthMaxWait(), config.health().maxWait());
    }

    @Test
    void everyPortableKeySetUnderItsQuarkusNameReachesTheSettings() {
        assertEquals(Duration.ofMinutes(1), settings.lockTimeout().orElseThrow());
        assertEquals(Duration.ofMinutes(1), config.lockTimeout().orElseThrow());
    }
}
