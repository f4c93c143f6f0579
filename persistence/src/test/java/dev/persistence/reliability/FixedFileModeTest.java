package dev.persistence.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.persistence.AtomicOutputStream;
import dev.persistence.Durability;
import dev.persistence.LockManager;
import dev.persistence.PersistenceClient;

/**
 * {@link PersistenceClient.Builder#filePermissions}: every file the client writes — new or replacing
 * a file of another mode, by bytes, text, callback or stream, at every level — has exactly the fixed
 * mode, its temp file has it from its creation on, the umask does not narrow it, and the target is
 * never looked up before the write.
 */
class FixedFileModeTest {

    /** Wider than what the usual umask 022 lets a new file have: only set explicitly does a file get it. */
    private static final String WIDE = "rw-rw-rw-";

    @TempDir
    Path dir;

    private final LockManager manager = LockManager.create();

    private PersistenceClient client(Durability level, String mode) {
        return PersistenceClient.builder(manager).durability(level)
                .filePermissions(PosixFilePermissions.fromString(mode)).build();
    }

    private static String modeOf(Path file) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }

    @ParameterizedTest
    @EnumSource(Durability.class)
    void everyWrittenFileHasExactlyTheFixedMode(Durability level) throws Exception {
        for (String mode : List.of(WIDE, "rw-r-----", "r--------")) {
            PersistenceClient client = client(level, mode);
            Path fresh = dir.resolve(level + "-" + mode);
            Files.createDirectories(fresh);
            List<Path> files = List.of(fresh.resolve("bytes"), fresh.resolve("text"), fresh.resolve("callback"),
                    fresh.resolve("stream"));
            for (int round = 0; round < 2; round++) { // new files, then the same files replaced
                client.write(files.get(0), new byte[] { 1 });
                client.writeString(files.get(1), "x");
                client.write(files.get(2), out -> out.write(2));
                try (AtomicOutputStream out = client.newOutputStream(files.get(3))) {
                    out.write(3);
                    out.commit();
                }
                for (Path file : files) {
                    assertEquals(mode, modeOf(file), (round == 0 ? "new " : "replaced ") + file.getFileName());
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx---r-x"));
                }
            }
        }
        assertTrue(manager.stats().idle());
    }

    @Test
    void aTempFileHasTheFixedModeFromItsCreation() throws Exception {
        PersistenceClient client = client(Durability.ATOMIC, "rw-r-----");
        Path existing = Files.writeString(dir.resolve("existing"), "old");
        Files.setPosixFilePermissions(existing, PosixFilePermissions.fromString(WIDE));
        for (Path target : List.of(existing, dir.resolve("new"))) {
            try (AtomicOutputStream out = client.newOutputStream(target)) {
                Path temp;
                try (Stream<Path> entries = Files.list(dir)) {
                    temp = entries.filter(f -> client.isTempName(f.getFileName().toString())).findFirst().orElseThrow();
                }
                assertEquals("rw-r-----", modeOf(temp), "the temp file of " + target.getFileName());
                out.write("new".getBytes(StandardCharsets.UTF_8));
                out.commit();
            }
            assertEquals("rw-r-----", modeOf(target));
        }
    }

    /**
     * Keeping a replaced file's mode needs a lookup of the target before each write, which on a busy
     * directory queues behind the other writers' creates; a fixed mode makes none.
     */
    @Test
    void aFixedModeMakesNoLookupOfTheTarget(@TempDir Path realDir) throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        Path base = fs.wrap(realDir);
        Path existing = base.resolve("existing");
        Path fresh = base.resolve("fresh");
        for (Durability level : Durability.values()) {
            PersistenceClient fixed = client(level, "rw-r-----");
            Files.writeString(existing, "old");
            Files.deleteIfExists(fresh);
            fs.lookups.clear();
            fixed.writeString(existing, "new");
            fixed.writeString(fresh, "new");
            try (AtomicOutputStream out = fixed.newOutputStream(fresh)) {
                out.commit();
            }
            Set<Path> targets = Set.of(realDir.resolve("existing"), realDir.resolve("fresh"));
            assertFalse(fs.lookups.stream().anyMatch(targets::contains), level + ": looked up " + fs.lookups);
        }
        fs.lookups.clear();
        PersistenceClient.builder(manager).build().writeString(existing, "kept mode");
        assertTrue(fs.lookups.contains(realDir.resolve("existing")), "the control made no lookup: " + fs.lookups);
    }

    @Test
    void theDefaultStillKeepsAReplacedFilesMode() throws Exception {
        PersistenceClient fixedThenCleared = PersistenceClient.builder(manager)
                .filePermissions(Set.of(PosixFilePermission.OWNER_READ)).filePermissions(null).build();
        assertTrue(fixedThenCleared.filePermissions().isEmpty());
        Path file = Files.writeString(dir.resolve("kept"), "old");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-----w-"));
        fixedThenCleared.writeString(file, "new");
        assertEquals("rw-----w-", modeOf(file));
    }
}
