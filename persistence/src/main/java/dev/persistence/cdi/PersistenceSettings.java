package dev.persistence.cdi;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.Config;

import dev.persistence.Durability;

/**
 * The {@code persistence.*} configuration, read from MicroProfile Config and validated once.
 * A bad value fails with an {@link IllegalArgumentException} naming the key and the value.
 *
 * @param durable         {@code persistence.durable} (default {@code false}): shorthand for {@code persistence.durability=durable}
 * @param tempSuffix      {@code persistence.temp-suffix} (default {@code tmp})
 * @param root            {@code persistence.root}: an absolute path (default none)
 * @param lockTimeout     {@code persistence.lock-timeout} (default none: wait forever)
 * @param recoverOnStart  {@code persistence.recover-on-start}: recover the root at startup (default {@code false})
 * @param healthMaxQueued {@code persistence.health.max-queued} (default 1000)
 * @param healthMaxWait   {@code persistence.health.max-wait} (default 30s)
 * @param lockManager     {@code persistence.lock-manager}: {@code local} (default) or the name of a
 *                        {@link dev.persistence.LockManagerFactory} on the class path, e.g. {@code zookeeper}
 * @param durability      {@code persistence.durability}: {@code no-sync}, {@code atomic} (default) or
 *                        {@code durable}; {@code durable} when {@code persistence.durable=true}, which
 *                        contradicts any other value
 */
public record PersistenceSettings(boolean durable, String tempSuffix, Optional<Path> root,
                                  Optional<Duration> lockTimeout, boolean recoverOnStart,
                                  int healthMaxQueued, Duration healthMaxWait, String lockManager,
                                  Durability durability) {

    public static final String DURABLE = "persistence.durable";
    public static final String DURABILITY = "persistence.durability";
    public static final String TEMP_SUFFIX = "persistence.temp-suffix";
    public static final String ROOT = "persistence.root";
    public static final String LOCK_TIMEOUT = "persistence.lock-timeout";
    public static final String RECOVER_ON_START = "persistence.recover-on-start";
    public static final String HEALTH_MAX_QUEUED = "persistence.health.max-queued";
    public static final String HEALTH_MAX_WAIT = "persistence.health.max-wait";
    public static final String LOCK_MANAGER = "persistence.lock-manager";
    public static final String ZOOKEEPER_CONNECT = "persistence.zookeeper.connect";
    public static final String ZOOKEEPER_SESSION_TIMEOUT = "persistence.zookeeper.session-timeout";
    public static final String ZOOKEEPER_NAMESPACE = "persistence.zookeeper.namespace";

    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    /** Reads and validates every key. */
    public static PersistenceSettings read(Config config) {
        boolean durable = value(config, DURABLE, PersistenceSettings::parseBoolean).orElse(false);
        Optional<Durability> level = value(config, DURABILITY, Durability::ofConfigName);
        if (durable && level.filter(l -> l != Durability.DURABLE).isPresent()) {
            throw new IllegalArgumentException(DURABLE + "=true contradicts " + DURABILITY + "=" + level.get().configName());
        }
        return new PersistenceSettings(
                durable,
                value(config, TEMP_SUFFIX, Function.identity()).orElse("tmp"),
                value(config, ROOT, PersistenceSettings::parseRoot),
                value(config, LOCK_TIMEOUT, PersistenceSettings::parseDuration),
                value(config, RECOVER_ON_START, PersistenceSettings::parseBoolean).orElse(false),
                value(config, HEALTH_MAX_QUEUED, PersistenceSettings::parseCount).orElse(1000),
                value(config, HEALTH_MAX_WAIT, PersistenceSettings::parseDuration).orElse(Duration.ofSeconds(30)),
                value(config, LOCK_MANAGER, Function.identity()).orElse("local"),
                level.orElse(durable ? Durability.DURABLE : Durability.ATOMIC));
    }

    private static <T> Optional<T> value(Config config, String key, Function<String, T> parser) {
        Optional<String> raw = config.getOptionalValue(key, String.class).map(String::trim);
        try {
            return raw.map(parser);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Invalid value '" + raw.get() + "' for " + key + ": " + e.getMessage(), e);
        }
    }

    static boolean parseBoolean(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("expected true or false");
        };
    }

    static int parseCount(String text) {
        int count;
        try {
            count = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a whole number");
        }
        if (count < 0) {
            throw new IllegalArgumentException("must not be negative");
        }
        return count;
    }

    static Path parseRoot(String text) {
        Path root = Path.of(text);
        if (!root.isAbsolute()) {
            throw new IllegalArgumentException("must be an absolute path");
        }
        if (!root.equals(root.normalize())) {
            throw new IllegalArgumentException("must not contain '.' or '..' segments");
        }
        return root;
    }

    /** ISO-8601 ({@code PT5S}) or a whole number with a unit: {@code 250ms}, {@code 5s}, {@code 1m}, {@code 2h}, {@code 1d}. */
    public static Duration parseDuration(String text) {
        Duration duration;
        Matcher m = SHORT_DURATION.matcher(text);
        if (m.matches()) {
            long amount = Long.parseLong(m.group(1));
            duration = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        } else {
            try {
                duration = Duration.parse(text.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("expected a duration such as PT5S, 250ms, 5s, 1m or 2h");
            }
        }
        if (duration.isNegative()) {
            throw new IllegalArgumentException("must not be negative");
        }
        return duration;
    }
}
