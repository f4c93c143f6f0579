package dev.persistence;

import static dev.persistence.spi.PathRules.IR;
import static dev.persistence.spi.PathRules.R;
import static dev.persistence.spi.PathRules.W;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.persistence.spi.PathRules;

/*
 * The conflict rule has one definition, PathRules.conflict, and one form of it for the entries of a
 * tree of path prefixes, PathRules.entriesConflict. This test holds that definition to the
 * contract's words, every view of it (the entry form, the local tree's table, the in-process
 * manager's fast path and tree) to that definition, for every mode pair and path relation.
 */
class ConflictRuleTest {

    /** A path relation: two paths, and whether the contract calls them related (one at or above the other). */
    private record Relation(String name, String a, String b, boolean related) {
    }

    private static final List<Relation> RELATIONS = List.of(
            new Relation("same path", "/t/a/b", "/t/a/b", true),
            new Relation("above, one stripe", "/t/a", "/t/a/b/c", true),
            new Relation("below, one stripe", "/t/a/b/c", "/t/a", true),
            new Relation("above, spanning every stripe", "/t", "/t/a/b", true),
            new Relation("below, under a spanning path", "/t/a/b", "/t", true),
            new Relation("siblings, one stripe", "/t/a/b", "/t/a/c", false),
            new Relation("siblings, one name a prefix of the other", "/t/a/b", "/t/a/bc", false),
            new Relation("siblings, different stripes", "/t/a", "/t/b", false),
            new Relation("unrelated subtrees", "/t/a/b", "/u/v/w", false));

    /** The contract's words: related paths, at least one write. */
    @Test
    void theRuleIsTheContracts() {
        for (Relation relation : RELATIONS) {
            assertEquals(relation.related, PathRules.related(p(relation.a), p(relation.b)), relation.name);
            for (LockMode first : LockMode.values()) {
                for (LockMode second : LockMode.values()) {
                    boolean expected = relation.related && (first == LockMode.WRITE || second == LockMode.WRITE);
                    assertEquals(expected, PathRules.conflict(p(relation.a), first, p(relation.b), second),
                            first + " and " + second + ", " + relation.name);
                }
            }
        }
    }

    /**
     * Two entries on one node conflict exactly when the requests that put them there conflict
     * wherever below the node their intentions point; the local tree's table is that rule.
     */
    @Test
    void entriesConflictExactlyWhenTheirRequestsMustAndTheTreeTableAgrees() {
        String node = "/t/a";
        for (int x = IR; x <= W; x++) {
            for (int y = IR; y <= W; y++) {
                boolean everywhere = true;
                for (String below : List.of("/t/a/b", "/t/a/c")) {
                    Path pathX = p(x >= R ? node : "/t/a/b");
                    Path pathY = p(y >= R ? node : below);
                    everywhere &= PathRules.conflict(pathX, PathRules.requestMode(x), pathY, PathRules.requestMode(y));
                }
                assertEquals(everywhere, PathRules.entriesConflict(x, y), "entry modes " + x + " and " + y);
                assertEquals(PathRules.entriesConflict(x, y), LockTreeNode.CONFLICTS[x][y],
                        "tree table, entry modes " + x + " and " + y);
            }
        }
    }

    /**
     * The entry a request puts on a node says its mode and whether the node is its path; its real entry stands for its
     * intention.
     */
    @Test
    void entryModesEncodeTheRequest() {
        for (LockMode mode : LockMode.values()) {
            int intention = PathRules.entryMode(mode, false), real = PathRules.entryMode(mode, true);
            assertEquals(mode, PathRules.requestMode(intention));
            assertEquals(mode, PathRules.requestMode(real));
            assertTrue(intention < R && real >= R && real > intention, mode.toString());
            for (int other = IR; other <= W; other++) {
                assertTrue(!PathRules.entriesConflict(intention, other) || PathRules.entriesConflict(real, other),
                        mode + "'s real entry conflicts with all its intention does, " + other);
            }
        }
    }

    /**
     * The in-process manager grants a second request beside a first exactly when the rule allows
     * it, for every mode pair and path relation, whichever way each request goes: the fast path
     * (no tree), the tree beside a fast holder (adopted into it), or the tree beside a tree holder.
     */
    @Test
    void theLocalManagerGrantsExactlyWhatTheRuleAllows() throws Exception {
        int cases = 0;
        for (Relation relation : RELATIONS) {
            for (LockMode first : LockMode.values()) {
                for (LockMode second : LockMode.values()) {
                    boolean conflict = PathRules.conflict(p(relation.a), first, p(relation.b), second);
                    for (Route route : Route.values()) {
                        String what = route + ": " + first + " " + relation.a + ", then " + second + " " + relation.b
                                + " (" + relation.name + ")";
                        LockManager manager = LockManager.create();
                        // Held by another thread: this thread's own holds would be refused as a deadlock instead.
                        PathLock held = onAnotherThread(() -> route == Route.BOTH_IN_THE_TREE
                                ? manager.acquireAll(List.of(p(relation.a)), first) // a multi-path request never takes the fast path
                                : manager.acquire(p(relation.a), first));
                        boolean granted;
                        try (PathLock beside = route == Route.FAST_PATH
                                ? manager.acquire(p(relation.b), second, Duration.ZERO)
                                : manager.acquireAll(List.of(p(relation.b)), second, Duration.ZERO)) {
                            granted = beside.isHeld();
                        } catch (LockTimeoutException refused) {
                            granted = false;
                        }
                        held.close();
                        assertEquals(!conflict, granted, what);
                        assertTrue(manager.stats().idle(), what + " left " + manager.stats());
                        cases++;
                    }
                }
            }
        }
        assertEquals(RELATIONS.size() * 4 * Route.values().length, cases);
    }

    private enum Route {
        /** The first holds by the fast path; the second tries it too. */
        FAST_PATH,
        /** The first holds by the fast path; the second goes through the tree, which adopts the first. */
        TREE_BESIDE_A_FAST_HOLDER,
        /** Both go through the tree. */
        BOTH_IN_THE_TREE
    }

    private static PathLock onAnotherThread(Callable<PathLock> acquisition) throws Exception {
        FutureTask<PathLock> task = new FutureTask<>(acquisition);
        new Thread(task).start();
        return task.get(10, TimeUnit.SECONDS);
    }

    private static Path p(String path) {
        return Path.of(path);
    }
}
