package dev.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.persistence.testsupport.Await;
import dev.persistence.testsupport.Transfers;

/**
 * Batches against real files: all changes or none, the checks that leave nothing, locks (a
 * covering lock, disjoint batches, readers that never see half a batch), and recover's roll
 * forward and roll back of batches a crash interrupted at each step of the recipe.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BatchTest extends ClientFixture {

    @ParameterizedTest
    @EnumSource(Durability.class)
    void commitAppliesEveryWriteAndDeleteAcrossDirectories(Durability level) throws Exception {
        PersistenceClient c = PersistenceClient.builder(manager).durability(level).build();
        c.writeString(dir.resolve("old"), "old");
        c.writeString(dir.resolve("x/tree/leaf"), "leaf");
        try (Batch batch = c.batch()) {
            batch.writeString(dir.resolve("a"), "a")
                    .write(dir.resolve("new/dirs/b"), "b".getBytes(StandardCharsets.UTF_8))
                    .delete(dir.resolve("old"))
                    .delete(dir.resolve("x/tree"), DeleteOption.RECURSIVE)
                    .delete(dir.resolve("never"), DeleteOption.IGNORE_MISSING);
            batch.commit();
        }
        assertEquals("a", c.readString(dir.resolve("a")));
        assertEquals("b", c.readString(dir.resolve("new/dirs/b")));
        assertFalse(Files.exists(dir.resolve("old")));
        assertEquals(List.of(), c.collect(dir.resolve("x")));
    }

    @ParameterizedTest
    @EnumSource(Durability.class)
    void aMoveRenamesTheFileItselfWithTheOtherChanges(Durability level) throws Exception {
        PersistenceClient c = PersistenceClient.builder(manager).durability(level).build();
        c.writeString(dir.resolve("draft"), "text");
        Files.setPosixFilePermissions(dir.resolve("draft"), PosixFilePermissions.fromString("rw-------"));
        Object inode = Files.readAttributes(dir.resolve("draft"), BasicFileAttributes.class).fileKey();
        c.writeString(dir.resolve("published/old"), "old");
        try (Batch batch = c.batch()) {
            batch.move(dir.resolve("draft"), dir.resolve("published/new")).move(dir.resolve("x"), dir.resolve("x"))
                    .writeString(dir.resolve("index"), "new").commit();
        }
        assertFalse(Files.exists(dir.resolve("draft")));
        assertEquals("text", c.readString(dir.resolve("published/new")));
        assertEquals(inode, Files.readAttributes(dir.resolve("published/new"), BasicFileAttributes.class).fileKey(),
                "the moved file was copied, not renamed");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("published/new"))));
        assertEquals("new", c.readString(dir.resolve("index")));
    }

    @Test
    void aMovesPathsAreItsOwnAndItsSourceMustBeAFile() throws Exception {
        client.writeString(dir.resolve("a"), "a");
        Files.createDirectories(dir.resolve("folder/inner"));
        try (Batch batch = client.batch()) {
            batch.move(dir.resolve("a"), dir.resolve("b"));
            for (Path path : List.of(dir.resolve("a"), dir.resolve("b"))) {
                assertEquals(PathRefusedException.Reason.MOVED_IN_BATCH, assertThrows(PathRefusedException.class,
                        () -> batch.writeString(path, "again")).reason());
                assertEquals(PathRefusedException.Reason.MOVED_IN_BATCH, assertThrows(PathRefusedException.class,
                        () -> batch.move(path, dir.resolve("c"))).reason());
            }
            assertEquals(PathRefusedException.Reason.MOVE_INTO_ITSELF, assertThrows(PathRefusedException.class,
                    () -> batch.move(dir.resolve("d"), dir.resolve("d/e"))).reason());
        }
        Batch missing = client.batch().writeString(dir.resolve("a"), "new").move(dir.resolve("nothing"), dir.resolve("b"));
        assertThrows(NoSuchFileException.class, missing::commit);
        Batch folder = client.batch().writeString(dir.resolve("a"), "new").move(dir.resolve("folder"), dir.resolve("b"));
        assertThrows(FileSystemException.class, folder::commit);
        assertEquals("a", client.readString(dir.resolve("a")));
        assertFalse(Files.exists(dir.resolve("b")));
    }

    @Test
    void abortAndCloseWithoutCommitLeaveNothing() throws Exception {
        try (Batch batch = client.batch()) {
            batch.writeString(dir.resolve("a"), "a").writeString(dir.resolve("b/c"), "c");
        }
        Batch aborted = client.batch().writeString(dir.resolve("a"), "a");
        aborted.abort();
        assertThrows(IllegalStateException.class, aborted::commit);
        try (Stream<Path> entries = Files.list(dir)) {
            assertEquals(0, entries.count(), "an uncommitted batch wrote something");
        }
    }

    @Test
    void aPathGivenTwiceKeepsItsLastChange() throws Exception {
        client.writeString(dir.resolve("kept"), "kept");
        try (Batch batch = client.batch()) {
            batch.writeString(dir.resolve("a"), "first").writeString(dir.resolve("a"), "last");
            batch.delete(dir.resolve("kept")).writeString(dir.resolve("kept"), "rewritten");
            batch.writeString(dir.resolve("gone"), "written").delete(dir.resolve("gone"), DeleteOption.IGNORE_MISSING);
            batch.commit();
        }
        assertEquals("last", client.readString(dir.resolve("a")));
        assertEquals("rewritten", client.readString(dir.resolve("kept")));
        assertFalse(Files.exists(dir.resolve("gone")));
    }

    @Test
    void refusedPathsAreRefusedWhenRecorded() {
        try (Batch batch = client.batch()) {
            batch.writeString(dir.resolve("d/a"), "a");
            PathRefusedException nested = assertThrows(PathRefusedException.class, () -> batch.delete(dir.resolve("d")));
            assertEquals(PathRefusedException.Reason.NESTED_IN_BATCH, nested.reason());
            assertThrows(PathRefusedException.class, () -> batch.writeString(dir.resolve("d/a/b"), "b"));
            assertThrows(PathRefusedException.class, () -> batch.writeString(Path.of("relative"), "r"));
            String intentName = ".persistence-batch.0123456789abcdef.tmp";
            assertEquals(PathRefusedException.Reason.TEMP_NAME, assertThrows(PathRefusedException.class,
                    () -> batch.writeString(dir.resolve(intentName), "i")).reason());
            assertEquals(PathRefusedException.Reason.TEMP_NAME, assertThrows(PathRefusedException.class,
                    () -> client.writeString(dir.resolve("other").resolve(".persistence-batch.0123456789abcdef.x"), "i"))
                    .reason());
        }
    }

    /** A check that fails under the lock fails the whole batch before anything is written. */
    @Test
    void aFailedCheckLeavesEveryPathAsItWas() throws Exception {
        client.writeString(dir.resolve("a"), "old");
        client.writeString(dir.resolve("full/f"), "f");
        Files.createDirectories(dir.resolve("directory"));
        List<Batch> failing = List.of(
                client.batch().writeString(dir.resolve("a"), "new").delete(dir.resolve("missing")),
                client.batch().writeString(dir.resolve("a"), "new").delete(dir.resolve("full")),
                client.batch().writeString(dir.resolve("a"), "new").writeString(dir.resolve("directory"), "d"));
        assertThrows(NoSuchFileException.class, failing.get(0)::commit);
        assertThrows(DirectoryNotEmptyException.class, failing.get(1)::commit);
        assertThrows(FileSystemException.class, failing.get(2)::commit);
        assertEquals("old", client.readString(dir.resolve("a")));
        assertEquals("f", client.readString(dir.resolve("full/f")));
        assertThrows(IllegalStateException.class, failing.get(0)::commit, "a batch commits at most once");
        assertThrows(IllegalStateException.class, () -> failing.get(0).writeString(dir.resolve("a"), "again"));
    }

    @Test
    void insideALockThatCoversItTheBatchRunsAtOnce() throws Exception {
        try (PathLock covering = manager.acquire(dir, LockMode.WRITE)) {
            try (Batch batch = client.batch()) {
                batch.writeString(dir.resolve("a"), "a").writeString(dir.resolve("b/c"), "c").commit();
            }
            Future<List<String>> reader = threads.submit(() -> client.collect(dir));
            Await.await(() -> manager.stats().queued() == 1, "the reader queued behind the covering lock");
            assertFalse(reader.isDone(), "a reader of the directory got in while the covering lock was held");
            covering.close();
            assertEquals(List.of("a", "b"), reader.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void aBatchDoesNotWaitForLocksOnOtherPaths() throws Exception {
        PathLock held = threads.submit(() -> {
            PathLock lock = manager.acquire(dir.resolve("x"), LockMode.WRITE);
            lock.disown();
            return lock;
        }).get();
        try (held; Batch batch = client.batch()) {
            batch.writeString(dir.resolve("y"), "y").writeString(dir.resolve("z/z"), "z").commit();
        }
        assertEquals("y", client.readString(dir.resolve("y")));
    }

    /**
     * Transfers between accounts by batches in two threads, while readers lock every account
     * together and add them up: the total is always the same. Locks alone make this hold in a
     * live process; NO_SYNC keeps it fast.
     */
    @Test
    void readersUnderLocksNeverSeeHalfABatch() throws Exception {
        PersistenceClient c = PersistenceClient.builder(manager).durability(Durability.NO_SYNC).build();
        List<Path> accounts = List.of(dir.resolve("a"), dir.resolve("b/b"), dir.resolve("b/c/c"), dir.resolve("d"));
        for (Path account : accounts) {
            c.writeString(account, "100");
        }
        AtomicBoolean done = new AtomicBoolean();
        List<Future<?>> transfers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            transfers.add(threads.submit(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < 1500; i++) {
                    Path from = accounts.get(random.nextInt(accounts.size()));
                    Path to = accounts.get(random.nextInt(accounts.size()));
                    if (!from.equals(to)) {
                        Transfers.transfer(c, from, to, random.nextInt(20));
                    }
                }
                return null;
            }));
        }
        Future<Integer> reader = threads.submit(() -> {
            int sums = 0;
            while (!done.get()) {
                try (PathLock all = manager.acquireAll(accounts, LockMode.READ)) {
                    long total = 0;
                    for (Path account : accounts) {
                        total += Long.parseLong(c.readString(account));
                    }
                    assertEquals(400, total, "a reader saw half a batch");
                    sums++;
                }
            }
            return sums;
        });
        for (Future<?> transfer : transfers) {
            transfer.get(50, TimeUnit.SECONDS);
        }
        done.set(true);
        assertTrue(reader.get(10, TimeUnit.SECONDS) > 0);
    }

    /** Where a crash stops a batch in {@link #recoverCompletesCommittedBatchesAndUndoesTheOthers}. */
    enum CrashAfter {
        /** The temp files are written: not committed. */
        TEMPS,
        /** The intent is on disk: committed, nothing applied. */
        INTENT,
        /** The renames and deletes are done, the intent still there. */
        CHANGES
    }

    @ParameterizedTest
    @EnumSource(CrashAfter.class)
    void recoverCompletesCommittedBatchesAndUndoesTheOthers(CrashAfter crash) throws Exception {
        for (Durability level : Durability.values()) {
            PersistenceClient c = PersistenceClient.builder(manager).durability(level).build();
            Path base = dir.resolve(level.name());
            c.writeString(base.resolve("a"), "old a");
            c.writeString(base.resolve("d/gone"), "gone");
            c.writeString(base.resolve("m"), "moved");
            List<BatchJournal.Change> changes = List.of(
                    new BatchJournal.Change(base.resolve("a"), bytes("new a"), false),
                    new BatchJournal.Change(base.resolve("n/b"), bytes("new b"), false),
                    new BatchJournal.Change(base.resolve("d"), null, true),
                    new BatchJournal.Change(base.resolve("n/m"), bytes("moved"), false),
                    new BatchJournal.Change(base.resolve("m"), null, false));
            try (PathLock lock = c.lockAll(changes.stream().map(BatchJournal.Change::path).toList())) {
                Map<Path, AtomicReplacement.Temp> temps = new HashMap<>();
                c.batches().prepare(changes, Set.of(base.resolve("n/m")), temps);
                if (crash != CrashAfter.TEMPS) {
                    c.batches().writeIntent(lock, changes);
                }
                if (crash == CrashAfter.CHANGES) {
                    c.batches().applyChanges(lock, changes, temps, Map.of(base.resolve("n/m"), base.resolve("m")));
                }
            }
            assertFalse(leftovers().isEmpty(), "the crashed batch left nothing to recover");
            c.recover(dir);
            if (crash == CrashAfter.TEMPS) {
                assertEquals("old a", c.readString(base.resolve("a")));
                assertFalse(Files.exists(base.resolve("n/b")));
                assertEquals("gone", c.readString(base.resolve("d/gone")));
                assertEquals("moved", c.readString(base.resolve("m")));
                assertFalse(Files.exists(base.resolve("n/m")));
            } else {
                assertEquals("new a", c.readString(base.resolve("a")));
                assertEquals("new b", c.readString(base.resolve("n/b")));
                assertFalse(Files.exists(base.resolve("d")));
                assertEquals("moved", c.readString(base.resolve("n/m")));
                assertFalse(Files.exists(base.resolve("m")));
            }
            assertEquals(List.of(), leftovers(), level + ": recover left temp or intent files");
        }
    }

    @Test
    void recoverDeletesAnIntentThatDoesNotCheckOutAndRefusesOneThatLeavesItsDirectory() throws Exception {
        Path torn = dir.resolve(".persistence-batch.00000000000000aa.tmp");
        Files.write(torn, new byte[40]);
        Files.createDirectories(dir.resolve("other-suffix"));
        Files.writeString(dir.resolve("other-suffix").resolve(".persistence-batch.00000000000000aa.x"), "kept");
        assertEquals(0, client.recover(dir));
        assertFalse(Files.exists(torn));
        assertTrue(Files.exists(dir.resolve("other-suffix").resolve(".persistence-batch.00000000000000aa.x")),
                "another temp suffix's intent was touched");
        Files.delete(dir.resolve("other-suffix").resolve(".persistence-batch.00000000000000aa.x"));

        Path home = dir.resolve("home");
        Files.createDirectories(home);
        Path hostile = home.resolve(".persistence-batch.00000000000000bb.tmp");
        Files.write(hostile,
                BatchJournal.encode(home, List.of(new BatchJournal.Change(dir.resolve("outside"), bytes("x"), false))));
        IOException refused = assertThrows(IOException.class, () -> client.recover(dir));
        assertTrue(refused.getMessage().contains("Not a batch intent"), refused.getMessage());
        assertFalse(Files.exists(dir.resolve("outside")));
        Files.delete(hostile);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
