package dev.persistence.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.persistence.DeleteOption;
import dev.persistence.Durability;
import dev.persistence.LockManager;
import dev.persistence.PersistenceClient;
import dev.persistence.testsupport.Await;

/**
 * Power losses at random moments under random writes, deletes and moves, through the page cache
 * model of {@link FaultyFileSystem} ({@link PageCache}), with the client's writes made both from
 * a byte array and through the callback stream: after each loss and a {@code recover},
 * every file is checked against the guarantee of the level that wrote it. A file that holds
 * anything but one of the contents ever written to its path is torn; one that holds anything but
 * its last acknowledged state (or the state the interrupted operation was making) lost an
 * acknowledged operation. Two controls show that the simulator catches what it should: the
 * {@code NO_SYNC} level leaves torn files, and the raw recipe without the directory fsync loses
 * acknowledged writes.
 */
class CrashSimulationTest {

    private static final List<String> FILES = List.of("a", "b", "c", "d/a", "d/b", "d/e/a", "n/a", "n/m/b");
    private static final int ROUNDS = 300;
    private static final int OPERATIONS_PER_ROUND = 12;

    /** How the operations are made: the client at each durability level, or a raw recipe. */
    enum Mode {
        NO_SYNC,
        ATOMIC,
        DURABLE,
        /** Temp file, fsync, rename, and no directory fsync: acknowledged writes may be lost. */
        RECIPE_WITHOUT_DIRECTORY_FSYNC
    }

    @TempDir
    Path realBase;

    @ParameterizedTest
    @EnumSource(Mode.class)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void powerLossesKeepTheModesGuarantee(Mode mode) throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        Path base = fs.wrap(realBase);
        PageCache disk = fs.modelPageCache(base, mode.ordinal() * 7919L + 17);
        PersistenceClient client = client(mode);
        Operations ops = operations(mode, client);
        Random random = new Random(mode.ordinal() * 104729L + 3);

        Map<String, String> acknowledged = new HashMap<>();
        Map<String, Set<String>> history = new HashMap<>();
        Tally tally = new Tally();
        long operations = 0, acknowledgedOps = 0, stray = 0, version = 0;
        for (int round = 0; round < ROUNDS; round++) {
            disk.cutPowerAfter(random.nextInt(OPERATIONS_PER_ROUND * 6));
            Map<String, String> inFlight = Map.of();
            for (int i = 0; i < OPERATIONS_PER_ROUND && !disk.isDown(); i++) {
                Map<String, String> effect = new HashMap<>();
                String path = FILES.get(random.nextInt(FILES.size()));
                int kind = random.nextInt(10);
                if (kind < 6 || !acknowledged.containsKey(path)) {
                    String content = "v" + (++version) + " of " + path + " " + "x".repeat(random.nextInt(3000));
                    effect.put(path, content);
                } else if (kind < 8) {
                    effect.put(path, null);
                } else {
                    String to = FILES.get(random.nextInt(FILES.size()));
                    if (to.equals(path)) {
                        continue;
                    }
                    effect.put(path, null);
                    effect.put(to, acknowledged.get(path));
                }
                effect.forEach((p, c) -> {
                    if (c != null) {
                        history.computeIfAbsent(p, k -> new HashSet<>()).add(c);
                    }
                });
                inFlight = effect;
                operations++;
                try {
                    if (effect.size() == 2) {
                        String to = effect.keySet().stream().filter(p -> !p.equals(path)).findFirst().orElseThrow();
                        ops.move(base.resolve(path), base.resolve(to));
                    } else if (effect.get(path) == null) {
                        ops.delete(base.resolve(path));
                    } else {
                        ops.write(base.resolve(path), effect.get(path).getBytes(StandardCharsets.UTF_8));
                    }
                } catch (IOException e) {
                    if (!disk.isDown()) {
                        throw e;
                    }
                    break;
                }
                effect.forEach((p, c) -> {
                    if (c == null) {
                        acknowledged.remove(p);
                    } else {
                        acknowledged.put(p, c);
                    }
                });
                inFlight = Map.of();
                acknowledgedOps++;
            }
            disk.restart();
            client.recover(base);

            for (String path : FILES) {
                tally.check(path, acknowledged, inFlight, history);
            }
            stray += strayFiles();
        }
        long torn = tally.torn, lost = tally.lost;
        System.out.printf("crash simulation %s: %d operations (%d acknowledged), %d power cuts, %d events,"
                + " %d torn files, %d lost acknowledged operations, %d stray files%n",
                mode, operations, acknowledgedOps, ROUNDS, disk.events(), torn, lost, stray);

        assertEquals(0, stray, "files left that no operation wrote");
        switch (mode) {
            case NO_SYNC -> assertTrue(torn > 0, "the simulator missed the torn files that no fsync leaves");
            case ATOMIC -> assertEquals(0, torn, "torn or empty files after a power loss");
            case DURABLE -> {
                assertEquals(0, torn, "torn or empty files after a power loss");
                assertEquals(0, lost, "acknowledged operations lost");
            }
            case RECIPE_WITHOUT_DIRECTORY_FSYNC -> {
                assertEquals(0, torn, "torn files although the data was fsync'd");
                assertTrue(lost > 0, "the simulator missed the acknowledged writes that a missing directory fsync loses");
            }
        }
    }

    /**
     * Durable writers in several threads, into shared and new directories, so that renames are
     * acknowledged by group-committed directory fsyncs and directories are created concurrently:
     * no acknowledged write is lost at any power cut.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void concurrentDurableWritersLoseNothingAcknowledged() throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        Path base = fs.wrap(realBase);
        PageCache disk = fs.modelPageCache(base, 4242);
        PersistenceClient client = PersistenceClient.builder(LockManager.create()).durability(Durability.DURABLE).build();
        int writers = 4, rounds = 60;
        Random random = new Random(99);
        Map<String, String> acknowledged = new ConcurrentHashMap<>();
        Map<String, String> inFlight = new ConcurrentHashMap<>();
        Map<String, Set<String>> history = new ConcurrentHashMap<>();
        AtomicLong operations = new AtomicLong(), acknowledgedOps = new AtomicLong(), version = new AtomicLong();
        Tally tally = new Tally();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            for (int round = 0; round < rounds; round++) {
                disk.cutPowerAfter(random.nextInt(400));
                String generation = "g" + round + "/";
                List<Future<?>> running = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    int writer = w;
                    running.add(pool.submit(() -> {
                        for (int i = 0; i < 25 && !disk.isDown(); i++) {
                            String path = switch (i % 3) {
                                case 0 -> "shared/w" + writer + "-" + i % 2;
                                case 1 -> generation + "w" + writer + "-" + i % 2;
                                default -> generation + "w" + writer + "/f" + i % 2;
                            };
                            String content = "v" + version.incrementAndGet() + " of " + path;
                            history.computeIfAbsent(path, k -> ConcurrentHashMap.newKeySet()).add(content);
                            inFlight.put(path, content);
                            operations.incrementAndGet();
                            try {
                                client.writeString(base.resolve(path), content);
                            } catch (IOException e) {
                                if (!disk.isDown()) {
                                    throw e;
                                }
                                return null;
                            }
                            acknowledged.put(path, content);
                            inFlight.remove(path);
                            acknowledgedOps.incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> writer : running) {
                    writer.get(60, TimeUnit.SECONDS);
                }
                disk.restart();
                client.recover(base);
                for (String path : new ArrayList<>(history.keySet())) {
                    tally.check(path, acknowledged, inFlight, history);
                }
                inFlight.clear();
                client.delete(base.resolve(generation), DeleteOption.RECURSIVE, DeleteOption.IGNORE_MISSING);
                history.keySet().removeIf(p -> p.startsWith(generation));
                acknowledged.keySet().removeIf(p -> p.startsWith(generation));
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.printf("crash simulation DURABLE, %d threads: %d writes (%d acknowledged), %d power cuts,"
                + " %d torn files, %d lost acknowledged writes%n",
                writers, operations.get(), acknowledgedOps.get(), rounds, tally.torn, tally.lost);
        assertEquals(0, tally.torn, "torn files");
        assertEquals(0, tally.lost, "acknowledged writes lost");
        assertEquals(0, strayFiles(), "files left that no operation wrote");
    }

    /** When the second writer of {@code fresh/b} starts, against the creator of {@code fresh}. */
    enum SecondWriter {
        /** After the creator's mkdir, while its parent fsync is held. */
        STARTS_AFTER_THE_MKDIR,
        /**
         * Before the creator's mkdir, so that it looks for not-yet-durable directories before
         * there is one, with its temp create held until the creator's parent fsync is held: a
         * writer descheduled between the two on a loaded machine.
         */
        CREATES_ITS_TEMP_AFTER_THE_MKDIR
    }

    /**
     * A durable write into a directory that another writer has just created, before that writer
     * made the directory's entry durable: acknowledging it then would lose it with its directory.
     * The creator's parent fsync is held while the second writer runs; then the power is cut with
     * only what was fsync'd kept.
     */
    @ParameterizedTest
    @EnumSource(SecondWriter.class)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aWriteIntoAFreshlyCreatedDirectoryIsNotAcknowledgedBeforeTheDirectoryIsDurable(SecondWriter when)
            throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        Path base = fs.wrap(realBase);
        PageCache disk = fs.modelPageCache(base, 1);
        disk.keepOnlySynced();
        PersistenceClient client = PersistenceClient.builder(LockManager.create()).durability(Durability.DURABLE).build();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            AtomicReference<Thread> second = new AtomicReference<>();
            Callable<Void> secondWrite = () -> {
                second.set(Thread.currentThread());
                client.writeString(base.resolve("fresh/b"), "b");
                return null;
            };
            CountDownLatch secondCreating = new CountDownLatch(1), letSecondCreate = new CountDownLatch(1);
            Future<?> writer = null;
            if (when == SecondWriter.CREATES_ITS_TEMP_AFTER_THE_MKDIR) {
                fs.holdNext(FaultyFileSystem.Fault.CREATE, secondCreating, letSecondCreate);
                writer = threads.submit(secondWrite);
                assertTrue(secondCreating.await(30, TimeUnit.SECONDS), "the second writer never created its temp file");
            }
            CountDownLatch creatorSyncing = new CountDownLatch(1), release = new CountDownLatch(1);
            fs.holdNext(FaultyFileSystem.Fault.FORCE_DIRECTORY, creatorSyncing, release);
            Future<?> creator = threads.submit(() -> {
                client.writeString(base.resolve("fresh/a"), "a");
                return null;
            });
            assertTrue(creatorSyncing.await(30, TimeUnit.SECONDS), "the creator never fsync'd the parent");
            if (writer == null) {
                writer = threads.submit(secondWrite);
            } else {
                letSecondCreate.countDown();
            }
            Future<?> secondWriter = writer;
            Await.await(() -> secondWriter.isDone() || second.get() != null && second.get().getState() == Thread.State.WAITING,
                    Duration.ofSeconds(30), "the second writer to return or wait");
            boolean acknowledged = writer.isDone() && succeeded(writer);
            disk.cutPowerAfter(0);
            release.countDown();
            assertFalse(succeeded(creator), "the creator was acknowledged after the power was cut");
            boolean late = succeeded(writer);
            disk.restart();
            if (acknowledged || late) {
                assertEquals("b", Files.isRegularFile(realBase.resolve("fresh/b"))
                        ? Files.readString(realBase.resolve("fresh/b"))
                        : null, "an acknowledged write was lost");
            }
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * A configured root two levels below a directory that does not exist yet is created with its
     * missing parents on first use, and under {@code DURABLE} every directory so created is made
     * durable before the write is acknowledged: after a power loss that keeps only what was
     * fsync'd, the acknowledged file is there.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aRootCreatedWithItsMissingParentsSurvivesAPowerLossUnderDurable() throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        Path base = fs.wrap(realBase);
        PageCache disk = fs.modelPageCache(base, 1);
        disk.keepOnlySynced();
        Path root = base.resolve("absent/deeper/root");
        PersistenceClient client = PersistenceClient.builder(LockManager.create()).durability(Durability.DURABLE)
                .root(root).build();
        client.writeString(root.resolve("d/f"), "acknowledged");
        disk.restart();
        assertEquals("acknowledged", Files.readString(realBase.resolve("absent/deeper/root/d/f")),
                "an acknowledged write was lost with a directory created for it");
    }

    private static boolean succeeded(Future<?> operation) throws InterruptedException, TimeoutException {
        try {
            operation.get(30, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException failed) {
            if (failed.getCause() instanceof PageCache.PowerLostException) {
                return false;
            }
            throw new AssertionError("failed otherwise than by the power loss", failed.getCause());
        }
    }

    /** Counts torn files and lost acknowledged operations, checking one path at a time. */
    private final class Tally {
        long torn;
        long lost;

        /**
         * Checks the file at {@code path} after a power loss and a recover: torn if it holds what
         * was never written there, lost if it holds neither its acknowledged state nor the state
         * its interrupted operation was making. The file's state becomes the acknowledged one.
         */
        void check(String path, Map<String, String> acknowledged, Map<String, String> inFlight,
                Map<String, Set<String>> history) throws IOException {
            Path real = realBase.resolve(path);
            String seen = Files.isRegularFile(real) ? Files.readString(real, StandardCharsets.UTF_8) : null;
            if (seen != null && !history.getOrDefault(path, Set.of()).contains(seen)) {
                torn++;
            } else if (!Objects.equals(seen, acknowledged.get(path))
                    && !(inFlight.containsKey(path) && Objects.equals(seen, inFlight.get(path)))) {
                lost++;
            }
            if (seen == null) {
                acknowledged.remove(path);
            } else {
                acknowledged.put(path, seen);
            }
        }
    }

    private long strayFiles() throws IOException {
        try (Stream<Path> all = Files.walk(realBase)) {
            return all.filter(Files::isRegularFile)
                    .map(this::relative)
                    .filter(p -> !FILES.contains(p) && !p.startsWith("shared/") && !p.startsWith("g"))
                    .count();
        }
    }

    private String relative(Path p) {
        return realBase.relativize(p).toString().replace('\\', '/');
    }

    private static PersistenceClient client(Mode mode) {
        PersistenceClient.Builder builder = PersistenceClient.builder(LockManager.create());
        return switch (mode) {
            case RECIPE_WITHOUT_DIRECTORY_FSYNC -> builder.build();
            default -> builder.durability(Durability.valueOf(mode.name())).build();
        };
    }

    /** The operations of one mode. */
    interface Operations {
        void write(Path file, byte[] data) throws IOException;

        void delete(Path file) throws IOException;

        void move(Path from, Path to) throws IOException;
    }

    private static Operations operations(Mode mode, PersistenceClient client) {
        if (mode != Mode.RECIPE_WITHOUT_DIRECTORY_FSYNC) {
            return new Operations() {
                @Override
                public void write(Path file, byte[] data) throws IOException {
                    if (data.length % 2 == 0) {
                        client.write(file, data);
                    } else {
                        client.write(file, out -> out.write(data));
                    }
                }

                @Override
                public void delete(Path file) throws IOException {
                    client.delete(file);
                }

                @Override
                public void move(Path from, Path to) throws IOException {
                    client.move(from, to);
                }
            };
        }
        return new Operations() {
            private long temps;

            @Override
            public void write(Path file, byte[] data) throws IOException {
                Files.createDirectories(file.getParent());
                Path temp = file.resolveSibling("." + file.getFileName() + "."
                        + String.format("%016x", ++temps) + ".persistence.tmp");
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    ByteBuffer buffer = ByteBuffer.wrap(data);
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                    channel.force(true);
                }
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            }

            @Override
            public void delete(Path file) throws IOException {
                Files.delete(file);
            }

            @Override
            public void move(Path from, Path to) throws IOException {
                Files.createDirectories(to.getParent());
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            }
        };
    }
}
