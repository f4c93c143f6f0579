package dev.persistence.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.persistence.LockMode;
import dev.persistence.PathRefusedException;
import dev.persistence.PathRefusedException.Reason;

/*
 * The normal-form rule of PathRules, held to its definition: an absolute path is lockable exactly
 * when Path.normalize() leaves it as it is. The default provider's check scans the string form
 * for names that start with a dot, so the names here are every shape of dot a name can have.
 */
class PathRulesTest {

    private static final List<String> NAMES = List.of(".", "..", "...", ".a", "..a", "a.", "a..", "a.b", "a..b", "a", "a.");

    @Test
    void refusesExactlyThePathsThatNormalizeChanges() {
        List<String> paths = new ArrayList<>();
        for (String first : NAMES) {
            paths.add("/" + first);
            for (String second : NAMES) {
                paths.add("/" + first + "/" + second);
                for (String third : NAMES) {
                    paths.add("/" + first + "/" + second + "/" + third);
                }
            }
        }
        for (String text : paths) {
            Path path = Path.of(text);
            boolean normal = path.equals(path.normalize());
            for (LockMode mode : LockMode.values()) {
                if (normal) {
                    assertEquals(path, PathRules.requireLockable(path, mode), text);
                } else {
                    PathRefusedException refused = assertThrows(PathRefusedException.class,
                            () -> PathRules.requireLockable(path, mode), text);
                    assertEquals(Reason.NOT_NORMAL, refused.reason(), text);
                }
            }
        }
    }
}
