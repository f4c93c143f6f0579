package dev.persistence.quarkus.config;

import java.nio.file.Path;
import java.time.Duration;

import org.eclipse.microprofile.config.spi.Converter;

import dev.persistence.cdi.PersistenceSettings;

/**
 * Converters for the {@code quarkus.persistence} mapping that apply exactly the portable rules of
 * {@link PersistenceSettings}: a value the portable reader would refuse is refused by the mapping too, so
 * Quarkus reports it together with every other bad value at start-up.
 */
public final class SettingsConverters {

    private SettingsConverters() {
    }

    /** {@code true} or {@code false} only (not {@code yes}, {@code on} or {@code 1}). */
    public static final class StrictBoolean implements Converter<Boolean> {
        @Override
        public Boolean convert(String value) {
            return PersistenceSettings.parseBoolean(value.trim());
        }
    }

    /** A whole number, zero or more. */
    public static final class Count implements Converter<Integer> {
        @Override
        public Integer convert(String value) {
            return PersistenceSettings.parseCount(value.trim());
        }
    }

    /** An absolute, normalised path. */
    public static final class Root implements Converter<Path> {
        @Override
        public Path convert(String value) {
            return PersistenceSettings.parseRoot(value.trim());
        }
    }

    /**
     * An octal file mode of permission bits ({@code 0640}, {@code 600}), checked by the portable rule and
     * kept as written: the portable reader turns it into permissions.
     */
    public static final class FileMode implements Converter<String> {
        @Override
        public String convert(String value) {
            PersistenceSettings.parseFileMode(value.trim());
            return value.trim();
        }
    }

    /** A duration in any Quarkus form, not negative. */
    public static final class NonNegativeDuration implements Converter<Duration> {
        @Override
        public Duration convert(String value) {
            return PersistenceSettings.parseDuration(value);
        }
    }
}
