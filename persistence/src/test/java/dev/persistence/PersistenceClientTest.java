package dev.persistence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.persistence.testsupport.Await;

/** The client against real files: contracts of every operation, atomicity, locks, bad input. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PersistenceClientTest extends ClientFixture {

    /** One pooled thread, whose tasks are unrelated to each other: where a stream's lock must not stay. */
    private ExecutorService pooledThread;

    @BeforeEach
    void openPooledThread() {
        pooledThread = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void shutDownPooledThread() throws Exception {
        pooledThread.shutdownNow();
        assertTrue(pooledThread.awaitTermination(10, TimeUnit.SECONDS));
    }

    // ------------------------------------------------------------------ round trips

    @ParameterizedTest
    @EnumSource(Durability.class)
    void roundTripsBytesAndStringsAndCreatesParents(Durability level) throws Exception {
        PersistenceClient c = PersistenceClient.builder(manager).durability(level).build();
        assertEquals(level, c.durability());
        assertEquals(level == Durability.DURABLE, c.durable());
        Path file = dir.resolve("a/b/c/data.bin");
        byte[] big = new byte[1 << 20];
        new Random(1).nextBytes(big);
        c.write(file, big);
        assertArrayEquals(big, c.read(file));
        c.write(file, new byte[0]);
        assertArrayEquals(new byte[0], c.read(file));
        c.writeString(dir.resolve("text.txt"), "héllo wörld ✓");
        assertEquals("héllo wörld ✓", c.readString(dir.resolve("text.txt")));
        assertEquals("héllo wörld ✓", Files.readString(dir.resolve("text.txt"), StandardCharsets.UTF_8));
    }

    @Test
    void replacedFileKeepsItsPermissions() throws Exception {
        Path file = dir.resolve("secret");
        client.writeString(file, "v1");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        client.writeString(file, "v2");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (var out = client.newOutputStream(file)) {
            out.write('3');
            out.commit();
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("3", Files.readString(file));
    }

    /** The new content of an owner-only file is never readable by others, not even while it is written. */
    @Test
    void aTempFileIsNeverMoreReadableThanItsTarget() throws Exception {
        Path file = dir.resolve("secret");
        client.writeString(file, "v1");
        for (String mode : List.of("rw-------", "r--------", "rw-rw-rw-", "rwxr-x---")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
            try (AtomicOutputStream out = client.newOutputStream(file)) {
                Path temp;
                try (Stream<Path> files = Files.list(dir)) {
                    temp = files.filter(f -> client.isTempName(f.getFileName().toString())).findFirst().orElseThrow();
                }
                assertEquals(mode, PosixFilePermissions.toString(Files.getPosixFilePermissions(temp)),
                        "temp file's mode while writing over a " + mode + " file");
                out.write('2');
                out.commit();
            }
            assertEquals(mode, PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), "mode kept");
        }
    }

    /** Writing over a symbolic link (no root) replaces the link; the link's own 0777 is never copied. */
    @Test
    void writingOverALinkNeverCopiesTheLinksOwnMode() throws Exception {
        Path fresh = dir.resolve("fresh");
        client.writeString(fresh, "x");
        String defaultMode = PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh));
        Path real = Files.writeString(dir.resolve("real"), "real");
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rw-------"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);
        client.writeString(link, "over the link");
        assertFalse(Files.isSymbolicLink(link));
        assertEquals(defaultMode, PosixFilePermissions.toString(Files.getPosixFilePermissions(link)),
                "not the mode of a new file");
        assertEquals("real", Files.readString(real));
    }

    @Test
    void missingFileIsTheJdksNoSuchFileException() {
        assertThrows(NoSuchFileException.class, () -> client.read(dir.resolve("missing")));
        assertThrows(NoSuchFileException.class, () -> client.newInputStream(dir.resolve("missing")));
        assertThrows(NoSuchFileException.class, () -> client.collect(dir.resolve("missing")));
    }

    // ------------------------------------------------------------------ collect

    @Test
    void collectListsSortedNamesFlatAndRecursive() throws Exception {
        for (String name : List.of("b.txt", "a.txt", "sub/z.txt", "sub/deeper/y.txt", "C.txt")) {
            client.writeString(dir.resolve(name), name);
        }
        assertEquals(List.of("C.txt", "a.txt", "b.txt", "sub"), client.collect(dir));
        assertEquals(List.of("C.txt", "a.txt", "b.txt", "sub", "sub/deeper", "sub/deeper/y.txt", "sub/z.txt"),
                client.collect(dir, true));
        assertEquals(List.of(), client.collect(Files.createDirectory(dir.resolve("empty"))));
    }

    @Test
    void collectWaitsForAWriteBelowTheDirectory() throws Exception {
        client.writeString(dir.resolve("d/f"), "x");
        PathLock write = manager.acquire(dir.resolve("d/f"), LockMode.WRITE);
        Future<List<String>> listing = threads.submit(() -> client.collect(dir.resolve("d")));
        Await.await(() -> manager.stats().queued() == 1, "collect enqueued behind the write");
        assertFalse(listing.isDone());
        write.close();
        assertEquals(List.of("f"), listing.get(10, TimeUnit.SECONDS));
    }

    // ------------------------------------------------------------------ delete and move

    @Test
    void deleteFollowsFilesDeleteUnlessToldOtherwise() throws Exception {
        client.writeString(dir.resolve("d/e/f"), "x");
        assertThrows(NoSuchFileException.class, () -> client.delete(dir.resolve("nope")));
        client.delete(dir.resolve("nope"), DeleteOption.IGNORE_MISSING);
        assertThrows(DirectoryNotEmptyException.class, () -> client.delete(dir.resolve("d")));
        assertTrue(Files.exists(dir.resolve("d/e/f")));
        client.delete(dir.resolve("d/e/f"));
        assertFalse(Files.exists(dir.resolve("d/e/f")));
        client.writeString(dir.resolve("d/e/g"), "x");
        client.delete(dir.resolve("d"), DeleteOption.RECURSIVE);
        assertFalse(Files.exists(dir.resolve("d")));
    }

    @Test
    void recursiveDeleteRemovesLinksWithoutFollowingThem(@TempDir Path outside) throws Exception {
        Path kept = Files.writeString(outside.resolve("kept"), "outside");
        client.writeString(dir.resolve("d/f"), "x");
        Files.createSymbolicLink(dir.resolve("d/link"), outside);
        client.delete(dir.resolve("d"), DeleteOption.RECURSIVE);
        assertFalse(Files.exists(dir.resolve("d")));
        assertEquals("outside", Files.readString(kept));
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void moveRenamesAtomicallyAndCreatesTargetParents(boolean durable) throws Exception {
        PersistenceClient c = PersistenceClient.builder(manager).durable(durable).build();
        c.writeString(dir.resolve("src"), "payload");
        c.writeString(dir.resolve("x/old"), "replaced");
        c.move(dir.resolve("src"), dir.resolve("x/y/moved"));
        assertEquals("payload", Files.readString(dir.resolve("x/y/moved")));
        assertFalse(Files.exists(dir.resolve("src")));
        c.move(dir.resolve("x/y/moved"), dir.resolve("x/old"));
        assertEquals("payload", Files.readString(dir.resolve("x/old")));
        c.move(dir.resolve("x/old"), dir.resolve("x/old"));
        assertEquals("payload", Files.readString(dir.resolve("x/old")));
    }

    @Test
    void moveOfAMissingSourceCreatesNothing() {
        assertThrows(NoSuchFileException.class, () -> client.move(dir.resolve("missing"), dir.resolve("new/dirs/t")));
        assertFalse(Files.exists(dir.resolve("new")));
    }

    // ------------------------------------------------------------------ streams

    @Test
    void outputStreamHoldsTheWriteLockUntilCommit() throws Exception {
        Path file = dir.resolve("s/stream.txt");
        client.writeString(file, "old");
        var out = client.newOutputStream(file);
        out.write("new ".getBytes(StandardCharsets.UTF_8));
        out.write("content".getBytes(StandardCharsets.UTF_8));
        assertEquals(1, manager.stats().activeWriters());
        assertEquals("old", Files.readString(file), "uncommitted bytes visible");
        CompletableFuture<PathLock> reader = manager.acquireAsync(file, LockMode.READ);
        assertFalse(reader.isDone());
        out.commit();
        out.commit();
        out.close();
        assertEquals("new content", Files.readString(file));
        reader.join().close();
        assertThrows(IOException.class, () -> out.write(1));
    }

    @Test
    void outputStreamAbortDiscardsAndReleases() throws Exception {
        Path file = dir.resolve("aborted.txt");
        client.writeString(file, "old");
        var out = client.newOutputStream(file);
        out.write(new byte[100_000]);
        out.abort();
        out.abort();
        out.close();
        assertEquals("old", Files.readString(file));
        assertTrue(manager.stats().idle());
        var fresh = client.newOutputStream(dir.resolve("never.txt"));
        fresh.abort();
        assertFalse(Files.exists(dir.resolve("never.txt")));
    }

    /** The common idiom: a source that fails mid-copy inside try-with-resources must not replace the file. */
    @Test
    void tryWithResourcesAroundAFailingSourceKeepsTheOldContent() throws Exception {
        Path file = dir.resolve("copy.txt");
        client.writeString(file, "old");
        InputStream failingSource = new InputStream() {
            private int left = 10_000;

            @Override
            public int read() throws IOException {
                if (left == 0) {
                    throw new IOException("source failed");
                }
                left--;
                return 'p';
            }
        };
        IOException thrown = assertThrows(IOException.class, () -> {
            try (AtomicOutputStream out = client.newOutputStream(file)) {
                failingSource.transferTo(out);
            }
        });
        assertEquals("source failed", thrown.getMessage());
        assertTrue(Files.readString(file).equals("old"), "partial content committed by close()");
    }

    /**
     * A body that forgets {@code commit()} discards, and the close says so: the mistake shows in
     * the first test a user runs instead of as silently missing files.
     */
    @Test
    void closeWithoutCommitDiscardsThenThrowsNamingCommit() throws Exception {
        Path file = dir.resolve("uncommitted.txt");
        client.writeString(file, "old");
        AtomicOutputStream out = client.newOutputStream(file);
        out.write("new".getBytes(StandardCharsets.UTF_8));
        IllegalStateException forgotten = assertThrows(IllegalStateException.class, out::close);
        assertTrue(forgotten.getMessage().contains("commit()"), forgotten.getMessage());
        assertEquals("old", Files.readString(file));
        assertTrue(manager.stats().idle(), "close released the lock");
        out.close(); // already discarded: nothing more to say
        assertThrows(IOException.class, out::commit);
        assertThrows(IOException.class, () -> out.write(1));
        assertEquals("old", Files.readString(file));
        assertThrows(IllegalStateException.class, () -> {
            try (AtomicOutputStream fresh = client.newOutputStream(dir.resolve("never/created.txt"))) {
                fresh.write(1);
            }
        });
        assertFalse(Files.exists(dir.resolve("never/created.txt")));
        assertEquals(List.of("never", "uncommitted.txt"), client.collect(dir, true), "a temp file was left behind");
    }

    /**
     * When the body of try-with-resources throws, its exception is what the caller sees; the
     * close's complaint about the missing commit rides along as suppressed.
     */
    @Test
    void anExceptionFromTheBodyWinsOverTheMissingCommit() throws Exception {
        Path file = dir.resolve("body-failed.txt");
        client.writeString(file, "old");
        IOException failure = new IOException("body failed");
        IOException thrown = assertThrows(IOException.class, () -> {
            try (AtomicOutputStream out = client.newOutputStream(file)) {
                out.write("partial".getBytes(StandardCharsets.UTF_8));
                throw failure;
            }
        });
        assertTrue(thrown == failure, "not the body's own exception: " + thrown);
        assertEquals(1, thrown.getSuppressed().length);
        assertTrue(thrown.getSuppressed()[0] instanceof IllegalStateException, thrown.getSuppressed()[0].toString());
        assertEquals("old", Files.readString(file));
        assertTrue(manager.stats().idle());
    }

    @Test
    void writeWithACallbackCommitsWhenItReturnsAndDiscardsWhenItThrows() throws Exception {
        Path file = dir.resolve("callback/doc.txt");
        client.write(file, out -> {
            try (Writer text = new OutputStreamWriter(out, StandardCharsets.UTF_8)) {
                text.write("first");
            }
            assertEquals(1, manager.stats().activeWriters(), "written under the write lock");
            assertFalse(Files.exists(file), "visible before the callback returned");
        });
        assertEquals("first", Files.readString(file));
        IOException failure = new IOException("source failed");
        IOException thrown = assertThrows(IOException.class, () -> client.write(file, out -> {
            out.write("partial".getBytes(StandardCharsets.UTF_8));
            throw failure;
        }));
        assertTrue(thrown == failure, "not the callback's own exception: " + thrown);
        assertThrows(IllegalStateException.class, () -> client.write(file, out -> {
            out.write("partial".getBytes(StandardCharsets.UTF_8));
            throw new IllegalStateException("bug in the callback");
        }));
        assertEquals("first", Files.readString(file));
        client.write(file, out -> assertEquals("first", client.readString(file), "re-entrant inside the callback"));
        assertEquals("", Files.readString(file));
    }

    /**
     * A stream keeps its lock beyond the call that opened it, so the lock must not make the
     * opening (pooled) thread re-entrant: another task on that thread must queue behind it.
     */
    @Test
    void anOpenStreamDoesNotLetLaterTasksOnItsThreadIntoItsLock() throws Exception {
        Path file = dir.resolve("pooled.txt");
        client.writeString(file, "old");
        AtomicOutputStream out = pooledThread.submit(() -> client.newOutputStream(file)).get(10, TimeUnit.SECONDS);
        PersistenceClient impatient = PersistenceClient.builder(manager).lockTimeout(Duration.ofMillis(100)).build();
        Future<?> unrelated = pooledThread.submit(() -> {
            impatient.writeString(file, "unrelated task");
            return null;
        });
        ExecutionException failed = assertThrows(ExecutionException.class, () -> unrelated.get(10, TimeUnit.SECONDS));
        assertTrue(failed.getCause() instanceof LockTimeoutException, failed.getCause().toString());
        assertEquals("old", Files.readString(file));
        out.abort();
    }

    /**
     * An input stream keeps its READ lock beyond the call that opened it too: the next, unrelated
     * task on the opening (pooled) thread is neither refused as a self-deadlock nor let in, but
     * waits for the stream's close like any other thread.
     */
    @Test
    void anOpenInputStreamMakesLaterTasksOnItsThreadWaitForItsClose() throws Exception {
        Path file = dir.resolve("pooled-in.txt");
        client.writeString(file, "old");
        InputStream in = pooledThread.submit(() -> client.newInputStream(file)).get(10, TimeUnit.SECONDS);
        try (in) {
            Future<?> unrelated = pooledThread.submit(() -> {
                client.writeString(file, "unrelated task");
                return null;
            });
            Await.await(() -> manager.stats().queued() == 1 || unrelated.isDone(),
                    "the unrelated write enqueued");
            if (unrelated.isDone()) {
                unrelated.get(); // shows how it failed
            }
            assertFalse(unrelated.isDone(), "the write did not wait for the stream");
            assertEquals("old", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            in.close();
            unrelated.get(10, TimeUnit.SECONDS);
        }
        assertEquals("unrelated task", Files.readString(file));
    }

    @Test
    void inputStreamHoldsTheReadLockUntilClosed() throws Exception {
        Path file = dir.resolve("in.txt");
        client.writeString(file, "abc");
        InputStream in = client.newInputStream(file);
        assertEquals(1, manager.stats().activeReaders());
        CompletableFuture<PathLock> writer = manager.acquireAsync(dir, LockMode.WRITE);
        assertFalse(writer.isDone());
        assertEquals("abc", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        in.close();
        in.close();
        writer.join().close();
    }

    // ------------------------------------------------------------------ atomicity

    /** Readers that bypass the locks see one of the two contents, whole, never a mix. */
    @Test
    void readersBypassingLocksNeverSeeATornFile() throws Exception {
        Path file = dir.resolve("torn.bin");
        byte[] a = new byte[1 << 20], b = new byte[1 << 20];
        Arrays.fill(a, (byte) 'a');
        Arrays.fill(b, (byte) 'b');
        client.write(file, a);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger reads = new AtomicInteger();
        List<Future<String>> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            readers.add(threads.submit(() -> {
                while (!stop.get()) {
                    byte[] seen = Files.readAllBytes(file);
                    reads.incrementAndGet();
                    if (!Arrays.equals(seen, a) && !Arrays.equals(seen, b)) {
                        return "torn read of " + seen.length + " bytes";
                    }
                }
                return null;
            }));
        }
        for (int i = 0; i < 60; i++) {
            client.write(file, i % 2 == 0 ? b : a);
        }
        stop.set(true);
        for (Future<String> reader : readers) {
            assertEquals(null, reader.get(10, TimeUnit.SECONDS));
        }
        assertTrue(reads.get() > 10, "readers barely ran: " + reads.get());
    }

    // ------------------------------------------------------------------ locks

    @Test
    void lockTimeoutAppliesToEveryOperation() throws Exception {
        PersistenceClient impatient = PersistenceClient.builder(manager).lockTimeout(Duration.ofMillis(50)).build();
        Path file = dir.resolve("busy");
        impatient.writeString(file, "x");
        PathLock held = threads.submit(() -> manager.acquire(file, LockMode.WRITE)).get();
        assertThrows(LockTimeoutException.class, () -> impatient.read(file));
        assertThrows(LockTimeoutException.class, () -> impatient.writeString(file, "y"));
        assertThrows(LockTimeoutException.class, () -> impatient.move(file, dir.resolve("elsewhere")));
        assertThrows(LockTimeoutException.class, () -> impatient.collect(dir));
        held.close();
        assertEquals("x", impatient.readString(file));
    }

    @Test
    void callsInsideAHeldCoveringLockRunWithoutWaiting() throws Exception {
        try (PathLock lock = manager.acquire(dir, LockMode.WRITE)) {
            client.writeString(dir.resolve("inner/f"), "1");
            assertEquals("1", client.readString(dir.resolve("inner/f")));
            client.move(dir.resolve("inner/f"), dir.resolve("inner/g"));
            assertEquals(List.of("g"), client.collect(dir.resolve("inner")));
            client.delete(dir.resolve("inner"), DeleteOption.RECURSIVE);
            assertEquals(1, manager.stats().activeWriters());
        }
    }

    @Test
    void interruptedWaitIsAnInterruptedIOException() throws Exception {
        PathLock held = manager.acquire(dir, LockMode.WRITE);
        AtomicReference<Thread> writer = new AtomicReference<>();
        Future<Boolean> blocked = threads.submit(() -> {
            writer.set(Thread.currentThread());
            assertThrows(InterruptedIOException.class, () -> client.writeString(dir.resolve("f"), "x"));
            return Thread.currentThread().isInterrupted();
        });
        Await.await(() -> manager.stats().queued() == 1, "write enqueued");
        writer.get().interrupt();
        assertTrue(blocked.get(10, TimeUnit.SECONDS), "interrupt status restored");
        assertEquals(0, manager.stats().queued(), "interrupted write still queued");
        held.close();
        assertFalse(Files.exists(dir.resolve("f")));
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void badPathsAreRefusedWithNothingTouched() throws Exception {
        PersistenceClient rooted = PersistenceClient.builder(manager).root(dir.resolve("root")).build();
        List<Path> bad = List.of(Path.of("relative/f"), Path.of(dir + "/root/../escape"), Path.of(dir + "/root/./f"),
                dir.resolve("outside"), dir.resolve("rootsibling/f"), Path.of("/"));
        for (Path path : bad) {
            assertThrows(IllegalArgumentException.class, () -> rooted.writeString(path, "x"), path.toString());
            assertThrows(IllegalArgumentException.class, () -> rooted.read(path), path.toString());
            assertThrows(IllegalArgumentException.class, () -> rooted.delete(path), path.toString());
            assertThrows(IllegalArgumentException.class, () -> rooted.newOutputStream(path), path.toString());
            assertThrows(IllegalArgumentException.class, () -> rooted.move(dir.resolve("root/a"), path), path.toString());
        }
        assertThrows(IllegalArgumentException.class, () -> client.delete(Path.of("/")));
        try (Stream<Path> all = Files.list(dir)) {
            assertEquals(List.of(), all.toList(), "something was created");
        }
    }

    @Test
    void builderRefusesBadSettingsAndChoosesTheDurability() {
        PersistenceClient.Builder builder = PersistenceClient.builder(manager);
        assertThrows(IllegalArgumentException.class, () -> builder.root(Path.of("relative")));
        assertThrows(IllegalArgumentException.class, () -> builder.tempSuffix(""));
        assertThrows(IllegalArgumentException.class, () -> builder.tempSuffix("a/b"));
        assertThrows(IllegalArgumentException.class, () -> builder.tempSuffix("x".repeat(17)));
        assertThrows(IllegalArgumentException.class, () -> builder.lockTimeout(Duration.ofSeconds(-1)));
        assertThrows(NullPointerException.class, () -> PersistenceClient.builder(null));
        assertEquals(Durability.ATOMIC, PersistenceClient.builder(manager).build().durability(), "the default");
        assertEquals(Durability.DURABLE, PersistenceClient.builder(manager).durable(true).build().durability());
        assertEquals(Durability.ATOMIC, PersistenceClient.builder(manager).durable(false).build().durability());
        assertThrows(NullPointerException.class, () -> builder.durability(null));
        for (Durability level : Durability.values()) {
            assertEquals(level, Durability.ofConfigName(level.configName()));
        }
        assertEquals(List.of("no-sync", "atomic", "durable"),
                Arrays.stream(Durability.values()).map(Durability::configName).toList());
        assertThrows(IllegalArgumentException.class, () -> Durability.ofConfigName("fsync"));
    }

    @Test
    void symbolicLinksInsideTheRootAreNotFollowed(@TempDir Path outside) throws Exception {
        Path root = Files.createDirectory(dir.resolve("root"));
        PersistenceClient rooted = PersistenceClient.builder(manager).root(root).build();
        Path secret = Files.writeString(outside.resolve("secret"), "outside");
        Files.createSymbolicLink(root.resolve("dirlink"), outside);
        Files.createSymbolicLink(root.resolve("filelink"), secret);
        assertThrows(FileSystemException.class, () -> rooted.read(root.resolve("dirlink/secret")));
        assertThrows(FileSystemException.class, () -> rooted.writeString(root.resolve("dirlink/secret"), "pwned"));
        assertThrows(FileSystemException.class, () -> rooted.writeString(root.resolve("dirlink/new"), "pwned"));
        assertThrows(FileSystemException.class, () -> rooted.read(root.resolve("filelink")));
        assertThrows(FileSystemException.class, () -> rooted.collect(root.resolve("dirlink")));
        assertEquals("outside", Files.readString(secret));
        assertFalse(Files.exists(outside.resolve("new")));
    }

    @Test
    void veryLongNamesGetATempFileAndTheFilesystemsOwnLimit() throws Exception {
        String longest = "n".repeat(255);
        client.writeString(dir.resolve(longest), "fits");
        assertEquals("fits", Files.readString(dir.resolve(longest)));
        assertThrows(FileSystemException.class, () -> client.writeString(dir.resolve("n".repeat(256)), "too long"));
    }

    // ------------------------------------------------------------------ recovery

    /** A user file in the temp-name space (of any suffix) would be deleted by recover: it is refused. */
    @Test
    void namesInTheTempNameSpaceAreRefusedSoRecoverNeverDeletesAUsersFile() throws Exception {
        client.writeString(dir.resolve("src"), "user file");
        for (String name : List.of(".a.json.0123456789abcdef.persistence.tmp", ".x.0123456789abcdef.persistence.other",
                ".\n.fedcba9876543210.persistence.tmp")) {
            Path file = dir.resolve(name);
            assertThrows(IllegalArgumentException.class, () -> client.writeString(file, "user file"), name);
            assertThrows(IllegalArgumentException.class, () -> client.newOutputStream(file), name);
            assertThrows(IllegalArgumentException.class, () -> client.write(file, out -> out.write(1)), name);
            assertThrows(IllegalArgumentException.class, () -> client.move(dir.resolve("src"), file), name);
        }
        assertEquals(0, client.recover(dir));
        assertEquals(List.of("src"), client.collect(dir));
    }

    /** Every temp name the client creates is recognised by recover, control characters included. */
    @Test
    void recoverRecognisesTempNamesWithLineBreaksAndControlCharacters() throws Exception {
        List<String> odd = new ArrayList<>(List.of("a\nb", "a\rb", "\n", "tab\there", "x\u0001y"));
        if (Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8")).newEncoder().canEncode("\u0085\u2028\u2029")) {
            odd.addAll(List.of("a\u0085b", "a\u2028b", "a\u2029b"));
        }
        List<String> orphans = new ArrayList<>();
        for (String name : odd) {
            AtomicOutputStream out = client.newOutputStream(dir.resolve(name));
            String temp;
            try (Stream<Path> files = Files.list(dir)) {
                temp = files.map(f -> f.getFileName().toString())
                        .filter(n -> n.contains(".persistence.") && !orphans.contains(n)).findFirst().orElseThrow();
            }
            out.abort();
            assertTrue(client.isTempName(temp), "not recognised: " + temp.replace("\n", "\\n"));
            Files.writeString(dir.resolve(temp), "orphan");
            orphans.add(temp);
        }
        assertEquals(orphans.size(), client.recover(dir), "orphans with odd names recovered");
        assertEquals(List.of(), client.collect(dir));
    }

    @Test
    void recoverRemovesOnlyOrphanedTempFiles() throws Exception {
        client.writeString(dir.resolve("keep/a.json"), "{}");
        client.writeString(dir.resolve("keep/.hidden"), "user file");
        client.writeString(dir.resolve("keep/x.tmp"), "user file with the suffix");
        Files.writeString(dir.resolve("keep/.x.0123456789abcdef.persistence.other"), "another suffix's orphan");
        Files.writeString(dir.resolve("keep/.a.json.0123456789abcdef.persistence.tmp"), "orphan");
        Files.createDirectories(dir.resolve("keep/deep"));
        Files.writeString(dir.resolve("keep/deep/.b.fedcba9876543210.persistence.tmp"), "orphan");
        assertEquals(2, client.recover(dir));
        assertEquals(List.of(".hidden", ".x.0123456789abcdef.persistence.other", "a.json", "deep", "x.tmp"),
                client.collect(dir.resolve("keep")));
        assertEquals(List.of(), client.collect(dir.resolve("keep/deep")));
        assertEquals(0, client.recover(dir));
        assertEquals(0, client.recover(dir.resolve("does-not-exist")));
    }
}
