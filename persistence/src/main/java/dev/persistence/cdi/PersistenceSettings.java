package dev.persistence.cdi;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.Config;

import dev.persistence.Durability;

/**
 * The {@code persistence.*} configuration, read from MicroProfile Config and validated once.
 * Every bad value is reported at once: one {@link IllegalArgumentException} names each bad key with its
 * value. A key under {@code persistence.} that this class does not know (a typo such as
 * {@code persistence.durabel}) is logged as a warning, never silently ignored. Durations take the forms
 * Quarkus accepts (see {@link #parseDuration(String)}), in every container.
 *
 * @param durable {@code persistence.durable} (default {@code false}): shorthand for {@code persistence.durability=durable}
 * @param tempSuffix {@code persistence.temp-suffix} (default {@code tmp})
 * @param root {@code persistence.root}: an absolute path (default none)
 * @param lockTimeout {@code persistence.lock-timeout} (default none: wait forever)
 * @param recoverOnStart {@code persistence.recover-on-start}: recover the root at startup (default {@code false})
 * @param healthMaxQueued {@code persistence.health.max-queued} (default 1000)
 * @param healthMaxWait {@code persistence.health.max-wait} (default 30s)
 * @param lockManager {@code persistence.lock-manager}: {@code local} (default) or the name of a
 *        {@link dev.persistence.spi.LockManagerFactory} on the class path, e.g. {@code zookeeper}
 * @param durability {@code persistence.durability}: {@code no-sync}, {@code atomic} (default) or
 *        {@code durable}; {@code durable} when {@code persistence.durable=true}, which
 *        contradicts any other value
 * @param fileMode {@code persistence.file-mode}: the permissions of every file the client writes,
 *        an octal mode such as {@code 0640} (default none: a replaced file keeps its mode)
 */
public record PersistenceSettings(boolean durable, String tempSuffix, Optional<Path> root,
        Optional<Duration> lockTimeout, boolean recoverOnStart,
        int healthMaxQueued, Duration healthMaxWait, String lockManager,
        Durability durability, Optional<Set<PosixFilePermission>> fileMode) {

    public static final String DURABLE = "persistence.durable";
    public static final String DURABILITY = "persistence.durability";
    public static final String TEMP_SUFFIX = "persistence.temp-suffix";
    public static final String ROOT = "persistence.root";
    public static final String FILE_MODE = "persistence.file-mode";
    public static final String LOCK_TIMEOUT = "persistence.lock-timeout";
    public static final String RECOVER_ON_START = "persistence.recover-on-start";
    public static final String HEALTH_MAX_QUEUED = "persistence.health.max-queued";
    public static final String HEALTH_MAX_WAIT = "persistence.health.max-wait";
    public static final String LOCK_MANAGER = "persistence.lock-manager";
    public static final String ZOOKEEPER_CONNECT = "persistence.zookeeper.connect";
    public static final String ZOOKEEPER_SESSION_TIMEOUT = "persistence.zookeeper.session-timeout";
    public static final String ZOOKEEPER_NAMESPACE = "persistence.zookeeper.namespace";

    private static final Logger LOG = Logger.getLogger(PersistenceSettings.class.getName());
    private static final String PREFIX = "persistence.";
    private static final Pattern SECONDS = Pattern.compile("\\d+");
    private static final Pattern NUMBER_AND_UNIT = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Pattern OCTAL_MODE = Pattern.compile("0?[0-7]{3}");

    /**
     * Reads and validates every key; warns about unknown keys under {@code persistence.}.
     *
     * @throws IllegalArgumentException naming every key whose value is bad, each with its value and the reason
     */
    public static PersistenceSettings read(Config config) {
        warnAboutUnknownKeys(config);
        List<String> problems = new ArrayList<>();
        boolean durable = value(config, DURABLE, PersistenceSettings::parseBoolean, problems).orElse(false);
        Optional<Durability> level = value(config, DURABILITY, Durability::ofConfigName, problems);
        if (durable && level.filter(l -> l != Durability.DURABLE).isPresent()) {
            problems.add(DURABLE + "=true contradicts " + DURABILITY + "=" + level.get().configName());
        }
        PersistenceSettings settings = new PersistenceSettings(
                durable,
                value(config, TEMP_SUFFIX, Function.identity(), problems).orElse("tmp"),
                value(config, ROOT, PersistenceSettings::parseRoot, problems),
                value(config, LOCK_TIMEOUT, PersistenceSettings::parseDuration, problems),
                value(config, RECOVER_ON_START, PersistenceSettings::parseBoolean, problems).orElse(false),
                value(config, HEALTH_MAX_QUEUED, PersistenceSettings::parseCount, problems).orElse(1000),
                value(config, HEALTH_MAX_WAIT, PersistenceSettings::parseDuration, problems)
                        .orElse(Duration.ofSeconds(30)),
                value(config, LOCK_MANAGER, Function.identity(), problems).orElse("local"),
                level.orElse(durable ? Durability.DURABLE : Durability.ATOMIC),
                value(config, FILE_MODE, PersistenceSettings::parseFileMode, problems));
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
        return settings;
    }

    /** Every key this class knows: the {@code public static final String} constants above. */
    public static Set<String> keys() {
        Set<String> keys = new TreeSet<>();
        for (Field field : PersistenceSettings.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
                try {
                    keys.add((String) field.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return keys;
    }

    private static void warnAboutUnknownKeys(Config config) {
        Set<String> known = keys();
        Set<String> unknown = new TreeSet<>();
        for (String name : config.getPropertyNames()) {
            if (name.startsWith(PREFIX) && !known.contains(name)) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            LOG.warning(() -> "persistence: unknown configuration key(s) " + unknown + " ignored; the known keys are "
                    + known);
        }
    }

    private static <T> Optional<T> value(Config config, String key, Function<String, T> parser, List<String> problems) {
        Optional<String> raw;
        try {
            raw = config.getOptionalValue(key, String.class).map(String::trim);
        } catch (RuntimeException e) { // e.g. an expression naming a missing key
            problems.add("Invalid value for " + key + ": " + e.getMessage());
            return Optional.empty();
        }
        try {
            return raw.map(parser);
        } catch (RuntimeException e) {
            problems.add("Invalid value '" + raw.get() + "' for " + key + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    /** {@code true} or {@code false}, in any case. */
    public static boolean parseBoolean(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("expected true or false");
        };
    }

    /** A whole number, zero or more. */
    public static int parseCount(String text) {
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

    /** An absolute, normalised path. */
    public static Path parseRoot(String text) {
        Path root = Path.of(text);
        if (!root.isAbsolute()) {
            throw new IllegalArgumentException("must be an absolute path");
        }
        if (!root.equals(root.normalize())) {
            throw new IllegalArgumentException("must not contain '.' or '..' segments");
        }
        return root;
    }

    /**
     * An octal file mode of permission bits, as {@code chmod} takes it: three octal digits, optionally
     * after a {@code 0} ({@code 0640}, {@code 600}). The set-user-ID, set-group-ID and sticky bits are
     * refused: they mean nothing for a data file.
     *
     * @throws IllegalArgumentException for any other text
     */
    public static Set<PosixFilePermission> parseFileMode(String text) {
        if (!OCTAL_MODE.matcher(text).matches()) {
            throw new IllegalArgumentException("expected an octal file mode of permission bits such as 0640 or 0600");
        }
        int bits = Integer.parseInt(text, 8);
        Set<PosixFilePermission> mode = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission permission : PosixFilePermission.values()) {
            // Declared from OWNER_READ (0400) down to OTHERS_EXECUTE (0001).
            if ((bits & (0400 >> permission.ordinal())) != 0) {
                mode.add(permission);
            }
        }
        return mode;
    }

    /**
     * A duration in any form Quarkus accepts for its own keys: a whole number of seconds ({@code 30}), a whole
     * number with a unit ({@code 250ms}, {@code 5s}, {@code 1m}, {@code 2h}, {@code 1d}), a combination or
     * fraction read as ISO-8601 time ({@code 1h30m}, {@code 1.5s}, {@code 2m30.5s}), or ISO-8601 itself
     * ({@code PT5S}, {@code P1DT2H}); letters in either case.
     *
     * @throws IllegalArgumentException if the text is none of these or the duration is negative
     */
    public static Duration parseDuration(String text) {
        String value = text.trim();
        Duration duration;
        Matcher unit = NUMBER_AND_UNIT.matcher(value.toLowerCase(Locale.ROOT));
        try {
            if (SECONDS.matcher(value).matches()) {
                duration = Duration.ofSeconds(Long.parseLong(value));
            } else if (unit.matches()) {
                long amount = Long.parseLong(unit.group(1));
                duration = switch (unit.group(2)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    case "h" -> Duration.ofHours(amount);
                    default -> Duration.ofDays(amount);
                };
            } else if (!value.isEmpty() && Character.isDigit(value.charAt(0))) {
                duration = Duration.parse("PT" + value);
            } else {
                duration = Duration.parse(value);
            }
        } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException(
                    "expected a duration such as 30 (seconds), 250ms, 5s, 1m, 2h, 1d, 1h30m, 1.5s or PT5S");
        }
        if (duration.isNegative()) {
            throw new IllegalArgumentException("must not be negative");
        }
        return duration;
    }
}
