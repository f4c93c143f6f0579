package dev.persistence.testsupport;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.persistence.LockMode;
import dev.persistence.spi.PathRules;

/** Records live holds; reports any pair of conflicting holds that were live at once. */
public final class HoldRegistry {

    /*
     * The overlap check of the stress tests (published in persistence's test-jar for the other
     * modules): a test enters each hold it got and exits it before the release.
     */

    /** One live hold. */
    public record Hold(String path, LockMode mode) {
    }

    private static final int MAX_VIOLATIONS = 20;

    private final List<Hold> live = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();

    /** Records a hold just granted; a conflicting hold still live is a violation. */
    public synchronized Hold enter(String path, LockMode mode) {
        Hold hold = new Hold(path, mode);
        for (Hold other : live) {
            if (PathRules.conflict(Path.of(path), mode, Path.of(other.path), other.mode)
                    && violations.size() < MAX_VIOLATIONS) {
                violations.add(hold + " overlapped " + other);
            }
        }
        live.add(hold);
        return hold;
    }

    /** Records that a hold is about to be released. */
    public synchronized void exit(Hold hold) {
        live.remove(hold);
    }

    /** The overlaps seen so far (the first few); empty if none. */
    public synchronized List<String> violations() {
        return List.copyOf(violations);
    }
}
