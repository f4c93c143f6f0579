package dev.persistence;

import java.util.Locale;

/**
 * What a {@link PersistenceClient}'s writes, deletes and moves guarantee after a power loss. After
 * a crash of the process alone (the machine stays up) every level gives the same: each file holds
 * its old or its new content, and every acknowledged operation is in place, since the kernel
 * keeps what the process handed it.
 */
public enum Durability {

    /*
     * The durability levels of the client: what each one guarantees after a power loss, and the
     * configuration names (no-sync, atomic, durable) they are chosen by.
     */

    /**
     * Nothing is fsync'd. After a power loss a file written shortly before may be torn or empty
     * (its new name reached the disk, its data did not), and acknowledged operations may be lost.
     * For caches and other data that can be rebuilt.
     */
    NO_SYNC,

    /**
     * The default. The temp file's data is fsync'd before the rename, so after a power loss every
     * file holds one complete content it had — never a torn or empty one. Operations acknowledged
     * shortly before the loss may be undone (a file may hold an older content, a deleted file may
     * be back, a moved file may be at its old path, a new file may be missing).
     */
    ATOMIC,

    /**
     * {@link #ATOMIC}, and in addition every acknowledged write, delete and move survives a power
     * loss: the file is fsync'd before the rename, its directory after it, a created directory's
     * parent after the mkdir, and a delete or move fsyncs the directories it changed, all before
     * the call returns.
     */
    DURABLE;

    /** The configuration name: {@code no-sync}, {@code atomic} or {@code durable}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The level of a configuration name ({@code no-sync}, {@code atomic} or {@code durable},
     * case-insensitive).
     *
     * @throws IllegalArgumentException for any other text
     */
    public static Durability ofConfigName(String name) {
        for (Durability level : values()) {
            if (level.configName().equalsIgnoreCase(name.trim())) {
                return level;
            }
        }
        throw new IllegalArgumentException("expected no-sync, atomic or durable");
    }
}
