package dev.persistence.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.persistence.Batch;
import dev.persistence.BatchRecipes;
import dev.persistence.DeleteOption;
import dev.persistence.Durability;
import dev.persistence.LockManager;
import dev.persistence.PersistenceClient;
import dev.persistence.testsupport.Transfers;

/**
 * Power losses at random moments under batches of transfers between account files, through the
 * page cache model of {@link FaultyFileSystem} ({@link PageCache}): a transfer writes two
 * accounts, a closing deletes one account and credits its balance to another, a renaming moves an
 * account to a missing account's name. After each loss and
 * a {@code recover}, the accounts must hold the total they started with — a batch applied in part
 * changes it — and, at {@code DURABLE}, every acknowledged batch. Two deliberately broken recipes
 * ({@link BatchRecipes}: an intent without fsyncs, the changes before the intent) must fail
 * the same check: they show that the simulator and the check catch a broken recipe.
 */
class BatchCrashSimulationTest {

    private static final List<String> ACCOUNTS = List.of("a", "b", "d/c", "d/e/f", "n/g", "n/h");
    private static final long TOTAL = 600;
    private static final int ROUNDS = 200;
    private static final int BATCHES_PER_ROUND = 8;
    private static final Pattern LEFTOVER = Pattern.compile("\\..*\\.[0-9a-f]{16}\\.persistence\\.tmp"
            + "|\\.persistence-batch\\.[0-9a-f]{16}\\.tmp", Pattern.DOTALL);

    /** How the batches are committed: the client at each level, or a broken recipe. */
    enum Mode {
        NO_SYNC,
        ATOMIC,
        DURABLE,
        INTENT_NOT_SYNCED,
        CHANGES_BEFORE_INTENT;

        boolean broken() {
            return this == INTENT_NOT_SYNCED || this == CHANGES_BEFORE_INTENT;
        }
    }

    @TempDir
    Path realBase;

    @ParameterizedTest
    @EnumSource(Mode.class)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void everyPowerCutLeavesEachBatchWholeOrAbsent(Mode mode) throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        Path base = fs.wrap(realBase);
        PersistenceClient client = PersistenceClient.builder(LockManager.create())
                .durability(mode.broken() ? Durability.ATOMIC : Durability.valueOf(mode.name())).build();
        Map<String, Long> acknowledged = new LinkedHashMap<>();
        for (String account : ACCOUNTS) {
            acknowledged.put(account, TOTAL / ACCOUNTS.size());
            client.writeString(base.resolve(account), Long.toString(TOTAL / ACCOUNTS.size()));
        }
        PageCache disk = fs.modelPageCache(base, mode.ordinal() * 7919L + 5);
        Random random = new Random(mode.ordinal() * 104729L + 11);
        long batches = 0, moves = 0, acknowledgedBatches = 0, conserved = 0, torn = 0, lost = 0;
        for (int round = 0; round < ROUNDS; round++) {
            disk.cutPowerAfter(random.nextInt(BATCHES_PER_ROUND * 20));
            Map<String, Long> inFlight = null;
            for (int i = 0; i < BATCHES_PER_ROUND && !disk.isDown(); i++) {
                Step step = nextBatch(acknowledged, random);
                Map<String, Long> after = step.after();
                batches++;
                moves += step.move() ? 1 : 0;
                try {
                    commit(mode, client, base, step);
                } catch (IOException e) {
                    if (!disk.isDown()) {
                        throw e;
                    }
                    inFlight = after;
                    break;
                }
                apply(acknowledged, after);
                acknowledgedBatches++;
            }
            disk.restart();
            client.recover(base);

            Map<String, Long> seen = accounts();
            Map<String, Long> applied = new HashMap<>(acknowledged);
            if (inFlight != null) {
                apply(applied, inFlight);
            }
            if (seen == null) {
                torn++;
            } else if (sum(seen) == TOTAL) {
                conserved++;
            }
            if (!acknowledged.equals(seen) && !applied.equals(seen)) {
                lost++;
            }
            if (seen == null || sum(seen) != TOTAL) {
                seen = repair(base, seen == null ? acknowledged : seen);
            }
            acknowledged.clear();
            acknowledged.putAll(seen);
            assertEquals(List.of(), leftovers(), "temp or intent files left after recover");
        }
        System.out.printf("batch crash simulation %s: %d power cuts, %d batches (%d of them moves, %d acknowledged),"
                + " %d events, total conserved after %d cuts, %d torn accounts, %d lost or partial batches%n",
                mode, ROUNDS, batches, moves, acknowledgedBatches, disk.events(), conserved, torn, lost);
        switch (mode) {
            case NO_SYNC -> {
            } // promises nothing after a power loss; the figures are for the report
            case ATOMIC -> {
                assertEquals(0, torn, "torn accounts");
                assertEquals(ROUNDS, conserved, "a batch applied in part after a power loss");
            }
            case DURABLE -> {
                assertEquals(0, torn, "torn accounts");
                assertEquals(ROUNDS, conserved, "a batch applied in part after a power loss");
                assertEquals(0, lost, "acknowledged batches lost");
            }
            case INTENT_NOT_SYNCED, CHANGES_BEFORE_INTENT -> assertTrue(conserved < ROUNDS,
                    "the simulator missed the partial batches of a broken recipe");
        }
    }

    /**
     * Transfers in three threads at once, so that batches share group-committed directory fsyncs
     * and commit in parallel on disjoint accounts: the total is conserved after every power cut.
     */
    @ParameterizedTest
    @EnumSource(value = Durability.class, names = { "ATOMIC", "DURABLE" })
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void concurrentBatchesConserveTheTotal(Durability level) throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        Path base = fs.wrap(realBase);
        PersistenceClient client = PersistenceClient.builder(LockManager.create()).durability(level).build();
        for (String account : ACCOUNTS) {
            client.writeString(base.resolve(account), Long.toString(TOTAL / ACCOUNTS.size()));
        }
        PageCache disk = fs.modelPageCache(base, 77 + level.ordinal());
        Random cuts = new Random(31 + level.ordinal());
        int threads = 3, rounds = 60;
        AtomicLong batches = new AtomicLong(), acknowledged = new AtomicLong();
        long conserved = 0;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < rounds; round++) {
                disk.cutPowerAfter(cuts.nextInt(600));
                List<Future<?>> running = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    long seed = round * 31L + t;
                    running.add(pool.submit(() -> {
                        Random random = new Random(seed);
                        for (int i = 0; i < 10 && !disk.isDown(); i++) {
                            String from = ACCOUNTS.get(random.nextInt(ACCOUNTS.size()));
                            String to = ACCOUNTS.get(random.nextInt(ACCOUNTS.size()));
                            if (from.equals(to)) {
                                continue;
                            }
                            batches.incrementAndGet();
                            try {
                                Transfers.transfer(client, base.resolve(from), base.resolve(to), 1 + random.nextInt(10));
                            } catch (IOException e) {
                                if (!disk.isDown()) {
                                    throw e;
                                }
                                return null;
                            }
                            acknowledged.incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> thread : running) {
                    thread.get(60, TimeUnit.SECONDS);
                }
                disk.restart();
                client.recover(base);
                Map<String, Long> seen = accounts();
                if (seen != null && sum(seen) == TOTAL) {
                    conserved++;
                }
                assertEquals(List.of(), leftovers(), "temp or intent files left after recover");
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.printf("batch crash simulation %s, %d threads: %d power cuts, %d batches (%d acknowledged),"
                + " total conserved after %d cuts%n",
                level, threads, rounds, batches.get(), acknowledged.get(), conserved);
        assertEquals(rounds, conserved, "a batch applied in part after a power loss");
    }

    /**
     * One batch: the accounts it changes, each with its new balance or null for a deleted account,
     * and whether it is a move of the account {@code from} to {@code to}.
     */
    private record Step(Map<String, Long> after, boolean move, String from, String to) {
    }

    /**
     * The next batch from the acknowledged accounts. A transfer moves at least 1; a closing
     * deletes an account with money and credits it to another; a renaming moves an account with
     * money to a missing account's name; a missing account is reopened by a transfer into it.
     */
    private static Step nextBatch(Map<String, Long> accounts, Random random) {
        List<String> funded = accounts.entrySet().stream().filter(e -> e.getValue() > 0).map(Map.Entry::getKey).toList();
        String from = funded.get(random.nextInt(funded.size()));
        String to;
        do {
            to = ACCOUNTS.get(random.nextInt(ACCOUNTS.size()));
        } while (to.equals(from));
        long balance = accounts.get(from);
        Map<String, Long> after = new HashMap<>();
        boolean move = !accounts.containsKey(to) && random.nextBoolean();
        boolean close = move || random.nextInt(5) == 0 && accounts.containsKey(to);
        long moved = close ? balance : 1 + random.nextInt((int) Math.min(balance, 50));
        after.put(from, close ? null : balance - moved);
        after.put(to, accounts.getOrDefault(to, 0L) + moved);
        return new Step(after, move, from, to);
    }

    private static void commit(Mode mode, PersistenceClient client, Path base, Step step) throws IOException {
        if (mode.broken()) {
            Map<Path, byte[]> changes = new HashMap<>();
            step.after().forEach((account, balance) -> changes.put(base.resolve(account),
                    balance == null ? null : Long.toString(balance).getBytes(StandardCharsets.UTF_8)));
            BatchRecipes.commit(BatchRecipes.Recipe.valueOf(mode.name()), client, changes);
            return;
        }
        try (Batch batch = client.batch()) {
            if (step.move()) {
                batch.move(base.resolve(step.from()), base.resolve(step.to()));
            } else {
                step.after().forEach((account, balance) -> {
                    if (balance == null) {
                        batch.delete(base.resolve(account));
                    } else {
                        batch.writeString(base.resolve(account), Long.toString(balance));
                    }
                });
            }
            batch.commit();
        }
    }

    private static void apply(Map<String, Long> accounts, Map<String, Long> batch) {
        batch.forEach((account, balance) -> {
            if (balance == null) {
                accounts.remove(account);
            } else {
                accounts.put(account, balance);
            }
        });
    }

    /** The accounts on disk; null if one is torn (not a number). */
    private Map<String, Long> accounts() throws IOException {
        Map<String, Long> accounts = new HashMap<>();
        for (String account : ACCOUNTS) {
            Path file = realBase.resolve(account);
            if (Files.isRegularFile(file)) {
                try {
                    accounts.put(account, Long.parseLong(Files.readString(file, StandardCharsets.UTF_8)));
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        return accounts;
    }

    private static long sum(Map<String, Long> accounts) {
        return accounts.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * After a torn account or a broken total (NO_SYNC, or a broken recipe): writes {@code from}
     * with the first account making up the difference, durably through the simulated disk, as
     * the next round's start; returns it.
     */
    private static Map<String, Long> repair(Path base, Map<String, Long> from) throws IOException {
        Map<String, Long> accounts = new HashMap<>(from);
        accounts.remove(ACCOUNTS.get(0));
        if (sum(accounts) > TOTAL) {
            accounts.clear();
        }
        accounts.put(ACCOUNTS.get(0), TOTAL - sum(accounts));
        PersistenceClient durable = PersistenceClient.builder(LockManager.create()).durability(Durability.DURABLE).build();
        for (String account : ACCOUNTS) {
            if (accounts.containsKey(account)) {
                durable.writeString(base.resolve(account), Long.toString(accounts.get(account)));
            } else {
                durable.delete(base.resolve(account), DeleteOption.IGNORE_MISSING);
            }
        }
        return accounts;
    }

    private List<String> leftovers() throws IOException {
        try (Stream<Path> all = Files.walk(realBase)) {
            return all.map(p -> p.getFileName().toString()).filter(n -> LEFTOVER.matcher(n).matches()).toList();
        }
    }
}
