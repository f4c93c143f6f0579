package dev.persistence.spi;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.persistence.LockMode;
import dev.persistence.PathLock;

/*
 * A nested or pinned hold for a request that several locks of the context cover together, none
 * of them all of it: one NestedLock per covering lock (its part), each for the paths of the
 * request that lock covers. It is held while every part is, and closing it closes every part,
 * once: a pinned hold so unpins each covering lock exactly once. In a context, Reentrancy sees
 * its parts, so a request inside it is nested in, or pins, the lock that covers that request's
 * paths.
 */
final class SpanningHold implements PathLock {

    /** One hold per covering lock, in the order of the request's paths. */
    private final NestedLock[] parts;
    private final List<Path> paths;
    private final LockMode mode;
    private final AtomicBoolean closed = new AtomicBoolean();

    SpanningHold(NestedLock[] parts, List<Path> paths, LockMode mode) {
        this.parts = parts;
        this.paths = paths;
        this.mode = mode;
    }

    NestedLock[] parts() {
        return parts;
    }

    boolean isOpen() {
        return !closed.get();
    }

    @Override
    public Path path() {
        return paths.get(0);
    }

    @Override
    public List<Path> paths() {
        return paths;
    }

    @Override
    public LockMode mode() {
        return mode;
    }

    @Override
    public boolean isHeld() {
        if (closed.get()) {
            return false;
        }
        for (NestedLock part : parts) {
            if (!part.isHeld()) {
                return false;
            }
        }
        return true;
    }

    /**
     * The smallest of the covering locks' tokens. No one number orders this hold against every
     * lock it conflicts with (each covering lock's token does, for its own paths); the smallest
     * still exceeds no lock's that was granted after this hold's end and conflicts with it, so a
     * write fenced with it is never taken for a newer one.
     */
    @Override
    public long fencingToken() {
        long oldest = Long.MAX_VALUE;
        for (NestedLock part : parts) {
            oldest = Math.min(oldest, part.fencingToken());
        }
        return oldest;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            for (NestedLock part : parts) {
                part.close();
            }
        }
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("PathLock[").append(Reentrancy.describe(paths, mode)).append(", over");
        for (NestedLock part : parts) {
            text.append(' ').append(part);
        }
        return text.append(']').toString();
    }
}
