package dev.persistence.cdi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.inject.se.SeContainer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.LockedPathValueException;
import dev.persistence.PathLock;
import dev.persistence.testsupport.Await;

/**
 * {@code @Locked} shaped like the application's data, in a real container of each CDI implementation: several paths in
 * one binding granted together, templates relative to {@code persistence.root}, placeholders
 * reading properties of a parameter (their start-up errors: ConfiguredBeansTest).
 */
@ParameterizedClass
@EnumSource(CdiTestSupport.Implementation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LockedShapesTest {

    private static final Path ROOT = Path.of(CdiTestSupport.DATA);
    private static final List<String> ACCOUNTS = List.of("a", "b", "c", "d");

    private final CdiTestSupport.Implementation cdi;
    private SeContainer container;
    private AccountService accounts;
    private LockManager manager;

    private final ExecutorService threads = Executors.newFixedThreadPool(16);

    LockedShapesTest(CdiTestSupport.Implementation cdi) {
        this.cdi = cdi;
    }

    @BeforeEach
    void start() {
        container = cdi.start(Map.of("persistence.root", ROOT.toString()), AccountService.class);
        accounts = container.select(AccountService.class).get();
        manager = container.select(LockManager.class).get();
    }

    @AfterEach
    void idle() throws Exception {
        try {
            threads.shutdownNow();
            assertTrue(threads.awaitTermination(30, TimeUnit.SECONDS));
            assertTrue(manager.stats().idle(), "lock left behind: " + manager.stats());
        } finally {
            container.close();
        }
    }

    @Test
    void concurrentTransfersInRandomDirectionsConserveTheTotalWithoutDeadlock() throws Exception {
        ACCOUNTS.forEach(account -> accounts.open(account, 1_000));
        List<Future<?>> transfers = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int from = random.nextInt(ACCOUNTS.size());
            int to = (from + 1 + random.nextInt(ACCOUNTS.size() - 1)) % ACCOUNTS.size();
            boolean later = i % 2 == 0;
            transfers.add(threads.submit(() -> {
                if (later) {
                    accounts.transferLater(ACCOUNTS.get(from), ACCOUNTS.get(to), 1).toCompletableFuture().join();
                } else {
                    accounts.transfer(ACCOUNTS.get(from), ACCOUNTS.get(to), 1);
                }
                return null;
            }));
        }
        for (Future<?> transfer : transfers) {
            transfer.get(60, TimeUnit.SECONDS); // a deadlock or a timeout fails here
        }
        assertEquals(400, accounts.invocations());
        assertEquals(4_000L, ACCOUNTS.stream().mapToLong(accounts::balance).sum(), "money created or lost");
    }

    @Test
    void aTransferWaitingForOneAccountHoldsNothingAndBlocksNoUnrelatedTransfer() throws Exception {
        ACCOUNTS.forEach(account -> accounts.open(account, 1_000));
        Future<?> waiting;
        try (PathLock held = manager.acquire(ROOT.resolve("accounts/a"), LockMode.WRITE)) {
            waiting = threads.submit(() -> {
                accounts.transfer("a", "b", 10);
                return null;
            });
            Await.await(() -> manager.stats().queued() == 1, "the transfer a -> b waits for a");
            accounts.transfer("c", "d", 5); // beside the waiting one: granted at once
            assertEquals(995, accounts.balance("c"));
            assertEquals(1, manager.stats().activeWriters(), "the waiting transfer holds neither account: " + manager.stats());
            assertFalse(waiting.isDone());
        }
        waiting.get(30, TimeUnit.SECONDS);
        assertEquals(990, accounts.balance("a"));
        assertEquals(1_010, accounts.balance("b"));
    }

    @Test
    void bothAccountsAreHeldTogether() throws Exception {
        CountDownLatch entered = new CountDownLatch(1), release = new CountDownLatch(1);
        Future<?> holder = threads.submit(() -> {
            accounts.holdBoth("x", "y", entered, release);
            return null;
        });
        assertTrue(entered.await(30, TimeUnit.SECONDS));
        for (String account : List.of("x", "y")) {
            CompletableFuture<PathLock> other = manager.acquireAsync(ROOT.resolve("accounts").resolve(account), LockMode.READ);
            boolean granted = !other.cancel(false);
            if (granted) {
                other.join().close();
            }
            assertFalse(granted, account + " is held by the transfer");
        }
        release.countDown();
        holder.get(30, TimeUnit.SECONDS);
    }

    @Test
    void aRelativeTemplateAndItsAbsoluteFormAreTheSameLock() throws Exception {
        CountDownLatch relativeIn = new CountDownLatch(1), absoluteIn = new CountDownLatch(1);
        CountDownLatch releaseRelative = new CountDownLatch(1), releaseAbsolute = new CountDownLatch(1);
        Future<?> relative = threads.submit(() -> {
            accounts.holdRelative("42", relativeIn, releaseRelative);
            return null;
        });
        assertTrue(relativeIn.await(30, TimeUnit.SECONDS));
        Future<?> absolute = threads.submit(() -> {
            accounts.holdAbsolute("42", absoluteIn, releaseAbsolute);
            return null;
        });
        Await.await(() -> manager.stats().queued() == 1, "the absolute template waits for the relative one");
        assertEquals(1, absoluteIn.getCount());
        releaseRelative.countDown();
        assertTrue(absoluteIn.await(30, TimeUnit.SECONDS));
        releaseAbsolute.countDown();
        relative.get(30, TimeUnit.SECONDS);
        absolute.get(30, TimeUnit.SECONDS);
    }

    @Test
    void aPropertyPlaceholderLocksThePathOfTheProperty() {
        List<Path> candidates = List.of(Path.of("/orders/alice/7"), Path.of("/orders/alice/8"), Path.of("/orders/bob/7"),
                Path.of("/customers/alice"), Path.of("/customers/bob"));
        assertEquals(List.of(Path.of("/orders/alice/7")),
                accounts.place(new AccountService.Order("alice", "7"), candidates));
        assertEquals(List.of(Path.of("/customers/bob")),
                accounts.placeRequest(new AccountService.PlaceOrder(new AccountService.Order("bob", "1")), candidates));
    }

    @Test
    void aPropertyValueThatIsNotOneSegmentIsRefusedBeforeTheMethodRuns() {
        List<AccountService.Order> bad = new ArrayList<>();
        for (String value : new String[] { "..", ".", "", "a/b", "a\\b", "nul\0", "line\nbreak", null }) {
            bad.add(new AccountService.Order(value, "1"));
        }
        for (AccountService.Order order : bad) {
            LockedPathValueException refused = assertThrows(LockedPathValueException.class,
                    () -> accounts.place(order, List.of()), String.valueOf(order));
            assertTrue(refused.getMessage().contains("{order.customer}"), refused.getMessage());
        }
        assertThrows(LockedPathValueException.class,
                () -> accounts.placeRequest(new AccountService.PlaceOrder(null), List.of()),
                "a null along the way is a null value");
        assertEquals(0, accounts.invocations());
    }

    @Test
    void duplicatePathsAndAPathCoveringAnotherAreFolded() {
        assertEquals(List.of(Path.of("/folded"), Path.of("/folded/1")),
                accounts.folded("1", List.of(Path.of("/folded"), Path.of("/folded/1"), Path.of("/other"))));
    }
}
