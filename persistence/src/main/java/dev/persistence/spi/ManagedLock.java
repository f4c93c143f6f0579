package dev.persistence.spi;

import dev.persistence.LockContext;
import dev.persistence.LockManager;
import dev.persistence.PathLock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.List;

/*
 * What every lock a manager grants owns, whatever the manager: one word with a CLOSED bit and
 * the count of pinned holds inside the lock, and the lock's membership in its acquiring thread's
 * context. Invariants:
 *   - release() runs at most once, after close() and after the last pinned hold is closed,
 *     whichever comes last; never before close().
 *   - a pinned hold is taken only while the lock is open (a CAS that fails once CLOSED is set),
 *     so no pinned hold ever starts inside a lock whose release has begun.
 *   - close() and disown() end the acquiring thread's membership; a close() racing the grant's
 *     own() ends it too (own() checks CLOSED after publishing the hold).
 */

/**
 * The base of a lock that a {@link LockManager} grants — the counterpart, for ownership, of what
 * {@code AbstractQueuedSynchronizer} is for the synchronizers of {@code java.util.concurrent}. A
 * manager keeps its queue and decides grants; this class decides everything about who owns a
 * granted lock: its place in the acquiring thread's {@link LockContext} ({@link #own()},
 * {@link #disown()}), exactly-once release ({@link #close()} calls {@link #release()} once), and
 * pinned holds ({@link Reentrancy#pinnedHold}), which defer the release until they are closed.
 * With {@link Reentrancy}, a manager built on it gets re-entrancy, refusals and pinned holds that
 * behave the same as every other manager's.
 */
public abstract class ManagedLock implements PathLock {

    private static final VarHandle OWNERSHIP;
    private static final VarHandle HOLD;
    private static final int CLOSED = 1 << 31;
    private static final int PINS = ~CLOSED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            OWNERSHIP = lookup.findVarHandle(ManagedLock.class, "ownership", int.class);
            HOLD = lookup.findVarHandle(ManagedLock.class, "hold", ThreadContexts.Hold.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** CLOSED once close() was called; below it, the pinned holds not closed yet. */
    @SuppressWarnings("unused") // through OWNERSHIP
    private volatile int ownership;
    /** The acquiring thread's membership, for a lock from a blocking acquisition; else null. */
    @SuppressWarnings("unused") // through HOLD
    private volatile ThreadContexts.Hold hold;

    /** For subclasses. */
    protected ManagedLock() {
    }

    /** The manager that granted this lock: re-entrancy counts only a manager's own locks. */
    protected abstract LockManager manager();

    /** Every path of the request (one, unless it came from {@link LockManager#acquireAll}). */
    public abstract List<Path> paths();

    /**
     * Gives the lock back to the manager's queue. Called exactly once, by the thread whose
     * {@link #close()} or last pinned hold's close came last; may be called for a lock the manager
     * already ended by other means (a lost session, the manager's close), which it then ignores.
     */
    protected abstract void release();

    /**
     * Throws {@link dev.persistence.LockLostException} if this lock, though not closed, can no
     * longer protect anything (a manager shared through a coordinator whose session ended), so
     * that a request inside it fails instead of nesting. {@code request} describes that request.
     * The default does nothing.
     */
    protected void requireUsable(String request) {
    }

    /**
     * For the manager that granted this lock, after a blocking acquisition only: puts the lock in
     * the calling thread's context until it is closed or disowned. A {@link #close()} from another
     * thread that raced the grant ends the membership at once.
     */
    public final void own() {
        ThreadContexts.Hold owned = ThreadContexts.own(this);
        HOLD.setRelease(this, owned); // disown() from another thread sees the hold complete
        if (!isOpen()) {
            owned.end();
        }
    }

    /** Whether {@link #close()} has not been called yet. */
    public final boolean isOpen() {
        return ((int) OWNERSHIP.getVolatile(this) & CLOSED) == 0;
    }

    /**
     * Ends this lock's membership in its acquiring thread's context, without releasing it.
     * Idempotent, callable from any thread.
     */
    @Override
    public final void disown() {
        ThreadContexts.Hold owned = (ThreadContexts.Hold) HOLD.getAcquire(this);
        if (owned != null) {
            owned.end();
        }
    }

    /**
     * Releases this lock — at once, or when the last pinned hold inside it is closed. Idempotent:
     * only the first call counts. Never throws.
     */
    @Override
    public final void close() {
        disown();
        int before = (int) OWNERSHIP.getAndBitwiseOr(this, CLOSED);
        if (before == 0) {
            release();
        }
    }

    /** Takes a pinned hold inside this lock; false once it is closed. */
    final boolean pin() {
        int state;
        do {
            state = (int) OWNERSHIP.getVolatile(this);
            if ((state & CLOSED) != 0) {
                return false;
            }
            if ((state & PINS) == PINS) {
                throw new IllegalStateException("Too many pinned holds in " + this);
            }
        } while (!OWNERSHIP.compareAndSet(this, state, state + 1));
        return true;
    }

    /** Ends a pinned hold; the last one after close() releases. */
    final void unpin() {
        int after = (int) OWNERSHIP.getAndAdd(this, -1) - 1;
        if (after == CLOSED) {
            release();
        }
    }
}
