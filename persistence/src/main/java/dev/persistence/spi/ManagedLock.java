package dev.persistence.spi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.List;

import dev.persistence.LockContext;
import dev.persistence.LockManager;
import dev.persistence.PathLock;

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

    /*
     * What every lock a manager grants owns, whatever the manager: one word with a CLOSED bit, a
     * DISOWNED bit and the count of pinned holds inside the lock, and the lock's membership in its
     * acquiring thread's context (the link to the next older lock of that context: ThreadContexts
     * chains a thread's owned locks through the locks themselves). Invariants:
     * - release() runs at most once, after close() and after the last pinned hold is closed,
     * whichever comes last; never before close().
     * - a pinned hold is taken only while the lock is open (a CAS that fails once CLOSED is set),
     * so no pinned hold ever starts inside a lock whose release has begun.
     * - the acquiring thread's membership lasts while DISOWNED is clear: disown() sets it, close()
     * sets it with CLOSED in one atomic operation, so a close() racing the grant's own() ends the
     * membership too, whichever comes first.
     */

    private static final VarHandle OWNERSHIP;
    private static final int CLOSED = 1 << 31;
    /** Set by disown() and close(): the lock no longer counts in its acquiring thread's context. */
    private static final int DISOWNED = 1 << 30;
    private static final int PINS = DISOWNED - 1;

    static {
        try {
            OWNERSHIP = MethodHandles.lookup().findVarHandle(ManagedLock.class, "ownership", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** CLOSED once close() was called, DISOWNED once it or disown() was; below them, the pinned holds not closed yet. */
    @SuppressWarnings("unused") // through OWNERSHIP
    private volatile int ownership;
    /**
     * The next older lock owned in the same context, for a lock from a blocking acquisition
     * (see ThreadContexts). Read and written by the owning thread only.
     */
    ManagedLock olderOwned;
    /** Whether {@link #own()} was called; written by the owning thread only. */
    private boolean owned;

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
     * For the manager that granted this lock, after a blocking acquisition only, once: puts the
     * lock in the calling thread's context until it is closed or disowned. A {@link #close()} from
     * another thread that raced the grant ends the membership at once.
     *
     * @throws IllegalStateException if the lock was owned already
     */
    public final void own() {
        if (owned) {
            throw new IllegalStateException("Owned already: " + this); // a second link would loop the context's chain
        }
        owned = true;
        ThreadContexts.own(this); // counts while neither close() nor disown() has been called, whenever they are
    }

    /** Whether {@link #close()} has not been called yet. */
    public final boolean isOpen() {
        return ((int) OWNERSHIP.getVolatile(this) & CLOSED) == 0;
    }

    /** Whether this lock still counts in the context of the thread that {@linkplain #own() owns} it. */
    final boolean isOwned() {
        return ((int) OWNERSHIP.getVolatile(this) & DISOWNED) == 0;
    }

    /**
     * Ends this lock's membership in its acquiring thread's context, without releasing it.
     * Idempotent, callable from any thread.
     */
    @Override
    public final void disown() {
        OWNERSHIP.getAndBitwiseOr(this, DISOWNED);
        ThreadContexts.ended();
    }

    /**
     * Releases this lock — at once, or when the last pinned hold inside it is closed. Idempotent:
     * only the first call counts. Never throws.
     */
    @Override
    public final void close() {
        int before = (int) OWNERSHIP.getAndBitwiseOr(this, CLOSED | DISOWNED); // one atomic operation for both
        if ((before & (CLOSED | PINS)) == 0) {
            release();
        }
        ThreadContexts.ended();
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
        if ((after & (CLOSED | PINS)) == CLOSED) {
            release();
        }
    }
}
