package dev.persistence.quarkus.deployment.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.persistence.PersistenceClient;
import dev.persistence.cdi.PersistenceSettings;
import dev.persistence.quarkus.PersistenceRuntimeConfig;
import io.quarkus.test.QuarkusUnitTest;

/**
 * Both key names under Quarkus: {@code quarkus.persistence.*} and the portable {@code persistence.*} reach the
 * beans and the mapping alike, Quarkus duration forms work, the Quarkus name wins a tie, and unknown keys under
 * either prefix are warned at start-up.
 */
class QuarkusConfigTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withEmptyApplication()
            .overrideConfigKey("quarkus.persistence.durable", "true")
            .overrideConfigKey("quarkus.persistence.lock-timeout", "1.5s")
            .overrideConfigKey("quarkus.persistence.health.max-wait", "1h30m")
            .overrideConfigKey("persistence.root", "/tmp/persistence-quarkus-config-test")
            .overrideConfigKey("persistence.health.max-queued", "7")
            .overrideConfigKey("persistence.temp-suffix", "portable")
            .overrideConfigKey("quarkus.persistence.temp-suffix", "quarkus")
            .overrideConfigKey("quarkus.persistence.file-mode", "0640")
            .overrideConfigKey("quarkus.persistence.durabel", "true")
            .overrideConfigKey("persistence.recover-on-strat", "true")
            .setLogRecordPredicate(record -> record.getLevel().intValue() >= Level.WARNING.intValue())
            .assertLogRecords(records -> {
                List<String> messages = records.stream().map(r -> r.getMessage() + " "
                        + List.of(Optional.ofNullable(r.getParameters()).orElse(new Object[0]))).toList();
                assertTrue(messages.stream().anyMatch(m -> m.contains("quarkus.persistence.durabel")), messages.toString());
                assertTrue(messages.stream().anyMatch(m -> m.contains("persistence.recover-on-strat")), messages.toString());
            });

    @Inject
    PersistenceSettings settings;

    @Inject
    PersistenceRuntimeConfig config;

    @Inject
    PersistenceClient client;

    @Test
    void bothNamesReachTheSettingsTheMappingAndTheClient() {
        assertTrue(settings.durable() && config.durable() && client.durable());
        assertEquals(Optional.of(Duration.ofMillis(1500)), settings.lockTimeout());
        assertEquals(settings.lockTimeout(), config.lockTimeout());
        assertEquals(Duration.ofMinutes(90), settings.healthMaxWait());
        assertEquals(settings.healthMaxWait(), config.health().maxWait());
        assertEquals(Optional.of(Path.of("/tmp/persistence-quarkus-config-test")), settings.root());
        assertEquals(settings.root(), config.root());
        assertEquals(Path.of("/tmp/persistence-quarkus-config-test"), client.root().orElseThrow());
        assertEquals(7, settings.healthMaxQueued());
        assertEquals(7, config.health().maxQueued());
        assertEquals(Optional.of(PosixFilePermissions.fromString("rw-r-----")), settings.fileMode());
        assertEquals(Optional.of("0640"), config.fileMode());
        assertEquals(settings.fileMode(), client.filePermissions());
    }

    @Test
    void theQuarkusNameWinsATie() {
        assertEquals("quarkus", settings.tempSuffix());
        assertEquals("quarkus", config.tempSuffix());
    }
}
