package dev.persistence;

import static dev.persistence.LocalLockManager.STRIPE_DEPTH;
import static dev.persistence.spi.PathRules.ENTRY_MODES;
import static dev.persistence.spi.PathRules.IR;
import static dev.persistence.spi.PathRules.W;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import dev.persistence.LocalLockManager.Request;
import dev.persistence.LocalLockManager.Stripe;
import dev.persistence.spi.PathRules;

/*
 * One node of a LocalLockManager stripe's lock tree: a path prefix with the entries of every held
 * or waiting request that goes through it, in four arrival-ordered lists (one per entry mode)
 * with a cursor each, and its children in an open-addressing table. This file owns when an entry
 * is free: the conflict table and isFree side by side. Who is granted, arrival numbers and the
 * fast path are the Stripe's (LocalLockManager.java).
 *
 * Every method runs with the stripe's mutex held.
 */
final class LockTreeNode {

    /**
     * Whether entries of two modes on one node conflict, indexed by entry mode: PathRules'
     * conflict rule tabulated, the one rule every manager applies.
     */
    static final boolean[][] CONFLICTS = new boolean[ENTRY_MODES][ENTRY_MODES];

    static {
        for (int a = IR; a <= W; a++) {
            for (int b = IR; b <= W; b++) {
                CONFLICTS[a][b] = PathRules.entriesConflict(a, b);
            }
        }
    }

    /** The stripe whose tree this node is in: it counts nodes and grants requests. */
    final Stripe stripe;
    final LockTreeNode parent;
    /** The key is {@code keySource[keyStart, keyEnd)}: a region of the creating path's string. */
    final String keySource;
    final int keyStart, keyEnd;
    final int hash;
    /** The only child, while there is exactly one: most nodes never need a table. */
    LockTreeNode onlyChild;
    /** Open-addressing table of child nodes (see {@link ChildTable}) once there are two or more. */
    LockTreeNode[] children;
    int childCount;
    final Entry[] head = new Entry[ENTRY_MODES];
    final Entry[] tail = new Entry[ENTRY_MODES];
    /** Per list, the first entry that is not free yet; every entry before it is free. */
    final Entry[] blocked = new Entry[ENTRY_MODES];
    int size;

    LockTreeNode(Stripe stripe, LockTreeNode parent, String keySource, int keyStart, int keyEnd, int hash) {
        this.stripe = stripe;
        this.parent = parent;
        this.keySource = keySource;
        this.keyStart = keyStart;
        this.keyEnd = keyEnd;
        this.hash = hash;
    }

    // ---------------------------------------------------------------- entries and their cursors

    /**
     * No live, earlier, conflicting entry on this node. Lists are in arrival order, so the
     * earliest entry of a conflicting list is its head, and of the entry's own list its
     * predecessor.
     */
    private boolean isFree(Entry entry) {
        int mode = entry.mode;
        if (CONFLICTS[mode][mode] && entry.prev != null) {
            return false;
        }
        long seq = entry.request.seq;
        for (int other = IR; other <= W; other++) {
            if (other != mode && CONFLICTS[mode][other] && !before(seq, head[other])) {
                return false;
            }
        }
        return true;
    }

    private static boolean before(long seq, Entry head) {
        return head == null || seq < head.request.seq;
    }

    /** Appends an entry of {@code request}, counting it in the request's pending entries unless it is free. */
    Entry append(Request request, int mode) {
        Entry entry = new Entry(request, this, mode);
        Entry last = tail[mode];
        entry.prev = last;
        if (last == null) {
            head[mode] = entry;
        } else {
            last.next = entry;
        }
        tail[mode] = entry;
        size++;
        if (blocked[mode] == null && !isFree(entry)) {
            blocked[mode] = entry;
        }
        if (blocked[mode] != null) {
            request.tree.pending++;
        }
        return entry;
    }

    /** Removes an entry, grants what that frees, and unlinks this node if it is left empty. */
    void removeEntry(Entry entry) {
        int mode = entry.mode;
        if (blocked[mode] == entry) {
            blocked[mode] = entry.next;
        }
        if (entry.prev == null) {
            head[mode] = entry.next;
        } else {
            entry.prev.next = entry.next;
        }
        if (entry.next == null) {
            tail[mode] = entry.prev;
        } else {
            entry.next.prev = entry.prev;
        }
        entry.prev = entry.next = null;
        size--;
        for (int m = IR; m <= W; m++) {
            if (CONFLICTS[mode][m]) {
                advance(m);
            }
        }
        if (size == 0) {
            parent.removeChild(this);
            stripe.nodes--;
        }
    }

    /** Moves list {@code mode}'s cursor over the entries that are free now. */
    private void advance(int mode) {
        Entry entry = blocked[mode];
        while (entry != null && isFree(entry)) {
            Entry next = entry.next;
            blocked[mode] = next;
            stripe.entryFreed(entry);
            entry = next;
        }
    }

    // ---------------------------------------------------------------- children

    /** The child keyed {@code source[start, end)}, created (and counted in the stripe) if absent. */
    LockTreeNode child(String source, int start, int end) {
        int h = 0;
        for (int i = start; i < end; i++) {
            h = 31 * h + source.charAt(i);
        }
        h = LocalLockManager.spread(h);
        LockTreeNode only = onlyChild;
        if (only != null && only.hasKey(h, source, start, end)) {
            return only;
        }
        if (children != null) {
            LockTreeNode found = ChildTable.find(children, h, source, start, end);
            if (found != null) {
                return found;
            }
        }
        LockTreeNode child = new LockTreeNode(stripe, this, source, start, end, h);
        if (childCount == 0) {
            onlyChild = child;
        } else {
            if (children == null || (childCount + 1) * 4 > children.length * 3) {
                children = ChildTable.resize(children, children == null ? 4 : children.length * 2);
            }
            if (onlyChild != null) {
                ChildTable.insert(children, onlyChild);
                onlyChild = null;
            }
            ChildTable.insert(children, child);
        }
        childCount++;
        stripe.nodes++;
        return child;
    }

    private void removeChild(LockTreeNode child) {
        if (onlyChild == child) {
            onlyChild = null;
            childCount = 0;
            return;
        }
        if (children == null || !ChildTable.remove(children, child)) {
            return; // already unlinked
        }
        if (--childCount == 0) {
            children = null;
        } else if (children.length > 8 && childCount * 8 < children.length) {
            children = ChildTable.resize(children, children.length / 2);
        }
    }

    /** Whether this node's key, whose hash is {@code h}, is {@code source[start, end)}. */
    private boolean hasKey(int h, String source, int start, int end) {
        int length = end - start;
        return hash == h && keyEnd - keyStart == length && keySource.regionMatches(keyStart, source, start, length);
    }

    // ---------------------------------------------------------------- diagnostics

    /**
     * Adds to {@code into} the key of every node below this one above the stripe key
     * depth ({@code depth} is that of this node's children) and returns how many there are.
     */
    int collectShallow(int depth, String prefix, Set<String> into) {
        int count = 0;
        if (depth >= STRIPE_DEPTH) {
            return 0;
        }
        List<LockTreeNode> kids = new ArrayList<>();
        if (onlyChild != null) {
            kids.add(onlyChild);
        } else if (children != null) {
            for (LockTreeNode n : children) {
                if (n != null) {
                    kids.add(n);
                }
            }
        }
        for (LockTreeNode kid : kids) {
            String key = prefix + '\0' + kid.keySource.substring(kid.keyStart, kid.keyEnd);
            into.add(key);
            count += 1 + kid.collectShallow(depth + 1, key, into);
        }
        return count;
    }

    // ---------------------------------------------------------------- classes

    /** A request's place on one node. */
    static final class Entry {
        final Request request;
        final LockTreeNode node;
        final int mode;
        Entry prev, next;

        Entry(Request request, LockTreeNode node, int mode) {
            this.request = request;
            this.node = node;
            this.mode = mode;
        }
    }

    /**
     * The mechanics of a node's child table: open addressing with linear probing over a
     * power-of-two array, by each child's hash, without tombstones. The node keeps the count
     * and decides when to grow or shrink.
     */
    private static final class ChildTable {

        private ChildTable() {
        }

        /** The child keyed {@code source[start, end)} with hash {@code h}; null if absent. */
        static LockTreeNode find(LockTreeNode[] table, int h, String source, int start, int end) {
            int mask = table.length - 1;
            for (int i = h & mask; table[i] != null; i = (i + 1) & mask) {
                if (table[i].hasKey(h, source, start, end)) {
                    return table[i];
                }
            }
            return null;
        }

        static void insert(LockTreeNode[] table, LockTreeNode child) {
            int mask = table.length - 1;
            int i = child.hash & mask;
            while (table[i] != null) {
                i = (i + 1) & mask;
            }
            table[i] = child;
        }

        /** Removes {@code child}; false if it is not in the table. */
        static boolean remove(LockTreeNode[] table, LockTreeNode child) {
            int mask = table.length - 1;
            int i = child.hash & mask;
            while (table[i] != child) {
                if (table[i] == null) {
                    return false;
                }
                i = (i + 1) & mask;
            }
            // Backward-shift deletion keeps every probe chain unbroken without tombstones.
            for (int gap = i, j = (i + 1) & mask;; j = (j + 1) & mask) {
                LockTreeNode moved = table[j];
                if (moved == null) {
                    table[gap] = null;
                    return true;
                }
                int home = moved.hash & mask;
                boolean mayFillGap = gap <= j ? (home <= gap || home > j) : (home <= gap && home > j);
                if (mayFillGap) {
                    table[gap] = moved;
                    gap = j;
                }
            }
        }

        /** A table of {@code capacity} slots holding the children of {@code old} (which may be null). */
        static LockTreeNode[] resize(LockTreeNode[] old, int capacity) {
            LockTreeNode[] table = new LockTreeNode[capacity];
            if (old != null) {
                for (LockTreeNode child : old) {
                    if (child != null) {
                        insert(table, child);
                    }
                }
            }
            return table;
        }
    }
}
