package dev.persistence.cdi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** {@link PersistenceSettings#read}: Quarkus duration forms, every bad value at once, unknown keys warned. */
class PersistenceSettingsTest {

    private static SmallRyeConfig config(Map<String, String> properties) {
        return new SmallRyeConfigBuilder().withSources(new PropertiesConfigSource(properties, "test", 500)).build();
    }

    @Test
    void durationsAcceptEveryFormQuarkusAccepts() {
        assertEquals(Duration.ofSeconds(30), PersistenceSettings.parseDuration("30"));
        assertEquals(Duration.ofMillis(250), PersistenceSettings.parseDuration("250ms"));
        assertEquals(Duration.ofSeconds(5), PersistenceSettings.parseDuration("5S"));
        assertEquals(Duration.ofDays(1), PersistenceSettings.parseDuration("1d"));
        assertEquals(Duration.ofMinutes(90), PersistenceSettings.parseDuration("1h30m"));
        assertEquals(Duration.ofMillis(1500), PersistenceSettings.parseDuration("1.5s"));
        assertEquals(Duration.ofMillis(150_500), PersistenceSettings.parseDuration("2m30.5s"));
        assertEquals(Duration.ofSeconds(5), PersistenceSettings.parseDuration(" PT5S "));
        assertEquals(Duration.ofHours(26), PersistenceSettings.parseDuration("p1dt2h"));
        for (String bad : List.of("", "-5", "-PT1S", "5 parsecs", "1.5", "s", "99999999999999999999", "1y")) {
            assertThrows(IllegalArgumentException.class, () -> PersistenceSettings.parseDuration(bad), bad);
        }
    }

    @Test
    void everyBadValueIsReportedInOneFailure() {
        Map<String, String> bad = Map.of(
                PersistenceSettings.LOCK_TIMEOUT, "-5s",
                PersistenceSettings.HEALTH_MAX_WAIT, "soon",
                PersistenceSettings.ROOT, "relative/data",
                PersistenceSettings.HEALTH_MAX_QUEUED, "many",
                PersistenceSettings.DURABLE, "yes",
                PersistenceSettings.RECOVER_ON_START, "1",
                PersistenceSettings.FILE_MODE, "0648");
        IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
                () -> PersistenceSettings.read(config(bad)));
        List<String> lines = failure.getMessage().lines().toList();
        assertEquals(bad.size(), lines.size(), failure.getMessage());
        bad.forEach((key, value) -> assertTrue(lines.stream().anyMatch(line -> line.contains(key)
                && line.contains("'" + value + "'")), key + " missing from: " + failure.getMessage()));
    }

    @Test
    void fileModesAreOctalPermissionBits() {
        assertEquals(PosixFilePermissions.fromString("rw-r-----"), PersistenceSettings.parseFileMode("0640"));
        assertEquals(PosixFilePermissions.fromString("rw-------"), PersistenceSettings.parseFileMode("600"));
        assertEquals(PosixFilePermissions.fromString("rwxrwxrwx"), PersistenceSettings.parseFileMode("0777"));
        assertEquals(Set.of(), PersistenceSettings.parseFileMode("0000"));
        assertEquals(PosixFilePermissions.fromString("---r---wx"), PersistenceSettings.parseFileMode("043"));
        for (String bad : List.of("", "0648", "rw-r-----", "1640", "4755", "0o640", "00640", "64", "640x", " 0640")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PersistenceSettings.parseFileMode(bad), bad);
            assertTrue(e.getMessage().contains("0640"), e.getMessage());
        }
        assertEquals(Optional.of(PosixFilePermissions.fromString("rw-r-----")),
                PersistenceSettings.read(config(Map.of(PersistenceSettings.FILE_MODE, " 0640 "))).fileMode());
        assertEquals(Optional.empty(), PersistenceSettings.read(config(Map.of())).fileMode());
        IllegalArgumentException named = assertThrows(IllegalArgumentException.class,
                () -> PersistenceSettings.read(config(Map.of(PersistenceSettings.FILE_MODE, "rw-r-----"))));
        assertEquals("Invalid value 'rw-r-----' for persistence.file-mode: expected an octal file mode of permission"
                + " bits such as 0640 or 0600", named.getMessage());
    }

    @Test
    void goodValuesInQuarkusFormsAreRead() {
        PersistenceSettings settings = PersistenceSettings.read(config(Map.of(
                PersistenceSettings.LOCK_TIMEOUT, "1h30m",
                PersistenceSettings.HEALTH_MAX_WAIT, "45",
                PersistenceSettings.ROOT, "/srv/data",
                PersistenceSettings.DURABLE, "TRUE")));
        assertEquals(Optional.of(Duration.ofMinutes(90)), settings.lockTimeout());
        assertEquals(Duration.ofSeconds(45), settings.healthMaxWait());
        assertEquals(Optional.of(Path.of("/srv/data")), settings.root());
        assertTrue(settings.durable());
    }

    @Test
    void unknownKeysUnderThePrefixAreWarnedKnownOnesAndOtherPrefixesAreNot() {
        List<LogRecord> records = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(PersistenceSettings.class.getName());
        logger.addHandler(capture);
        try {
            PersistenceSettings.read(config(Map.of(
                    "persistence.durabel", "true",
                    "persistence.health.max-waits", "5s",
                    PersistenceSettings.DURABLE, "false",
                    "persistencex.other", "x",
                    "app.persistence.durabel", "x")));
        } finally {
            logger.removeHandler(capture);
        }
        List<String> warnings = records.stream().filter(r -> r.getLevel() == Level.WARNING)
                .map(LogRecord::getMessage).toList();
        assertEquals(1, warnings.size(), warnings.toString());
        String warning = warnings.get(0);
        assertTrue(warning.contains("[persistence.durabel, persistence.health.max-waits]"), warning);
        assertTrue(warning.contains(PersistenceSettings.DURABLE), "the warning lists the known keys: " + warning);
    }
}
