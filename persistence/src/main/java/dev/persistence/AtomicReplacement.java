package dev.persistence;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Replaces files atomically: a {@link Temp} is created in the target's directory, written, synced as
 * the {@linkplain Durability level} requires and renamed over the target in one {@code rename(2)},
 * so a reader sees the old or the new content, never a mix.
 *
 * <p>
 * Temp names are {@code .<name>.<16 hex digits>.persistence.<suffix>} ({@code <name>} the
 * target's name cut to 64 characters), so that {@link #isTempName} — and so a recovery — can find
 * what a crash left behind, and so that no user file may have such a name
 * ({@link #hasTempNameForm}).
 *
 * <p>
 * Modes: with a fixed mode, every temp gets exactly that mode from its creation, and the target
 * is not looked up. Otherwise a temp replacing a regular file gets that file's POSIX permissions
 * from its creation (never more readable than the content it replaces), and a new file — or one
 * replacing a symbolic link, whose own mode means nothing — gets the default mode of a new file.
 *
 * <p>
 * The caller holds a WRITE lock on the target from {@link #create} to the end of the temp, checks
 * the path (confinement, links) before, and calls {@link Temp#commit} or {@link Temp#discard} once.
 * For several files replaced together, {@link Temp#sync} each, {@link Temp#rename} each, then make
 * their directories durable with the {@link DirectoryDurability} given here. This class is
 * thread-safe; a {@code Temp} is used by one thread at a time.
 */
final class AtomicReplacement {

    /*
     * The atomic-replacement recipe of the client and the temp-name scheme it rests on: naming a temp
     * file for a target, recognising temp names (this client's for recover(), any client's to refuse
     * them as user names), creating a temp with the right mode, writing and syncing it, committing it
     * by rename, discarding it. Locks and path checks are the caller's.
     */

    private static final String MARKER = ".persistence.";
    private static final int NAME_PREFIX_MAX = 64;
    private static final Pattern SUFFIX = Pattern.compile("[A-Za-z0-9_-]{1,16}");
    /** A temp name up to its marker: a dot, any characters (line breaks included), a dot and 16 hex digits. */
    private static final String PREFIX = "\\..*\\.[0-9a-f]{16}";
    /** The temp names of every suffix: no user file may have one, or some client's recovery would delete it. */
    private static final Pattern ANY_TEMP_NAME = Pattern.compile(PREFIX + Pattern.quote(MARKER) + SUFFIX.pattern(),
            Pattern.DOTALL);
    private static final Set<StandardOpenOption> CREATE_NEW = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

    private final String suffix;
    private final Pattern tempName;
    private final Durability durability;
    private final Set<PosixFilePermission> fixedMode;
    private final DirectoryDurability directories;
    private final PersistenceClient.Listener listener;

    /**
     * @param suffix the last part of temp names, checked by {@link #requireSuffix}
     * @param fixedMode the mode of every file written, or {@code null} to keep a replaced file's
     * @param directories creates missing directories and makes directory entries durable
     */
    AtomicReplacement(String suffix, Durability durability, Set<PosixFilePermission> fixedMode,
            DirectoryDurability directories, PersistenceClient.Listener listener) {
        this.suffix = requireSuffix(suffix);
        this.tempName = Pattern.compile(PREFIX + Pattern.quote(MARKER + suffix), Pattern.DOTALL);
        this.durability = durability;
        this.fixedMode = fixedMode == null ? null : Set.copyOf(fixedMode);
        this.directories = directories;
        this.listener = listener;
    }

    /** {@code suffix} if it may end temp names: 1 to 16 of {@code [A-Za-z0-9_-]}. */
    static String requireSuffix(String suffix) {
        if (!SUFFIX.matcher(suffix).matches()) {
            throw new IllegalArgumentException("Temp suffix must be 1 to 16 of [A-Za-z0-9_-]: '" + suffix + "'");
        }
        return suffix;
    }

    /** Whether a file name has the form of a temp name of any suffix, so that a recovery would delete it. */
    static boolean hasTempNameForm(String fileName) {
        return ANY_TEMP_NAME.matcher(fileName).matches();
    }

    /** Whether a file name is a temp name of this suffix: what a recovery deletes. */
    boolean isTempName(String fileName) {
        return tempName.matcher(fileName).matches();
    }

    /**
     * Creates a new temp file for {@code target}, open for writing, in the target's directory —
     * which is created first if it is missing (so a write into an existing directory costs no stat
     * of it). Under {@link Durability#DURABLE}, a directory that some writer created but has not yet
     * made durable is made durable before this returns. If this throws, no temp file is left.
     */
    Temp create(Path target) throws IOException {
        Path temp = nameFor(target);
        FileChannel channel;
        try {
            channel = open(temp, target);
        } catch (NoSuchFileException missingDirectory) {
            directories.createDirectories(target.getParent());
            return new Temp(target, temp, open(temp, target));
        }
        Temp created = new Temp(target, temp, channel);
        try {
            // Looked for only once the temp exists: the directory existed then, and its creator
            // records it before its mkdir. (Looked for earlier, a directory created in between
            // would be missed, and the write acknowledged before its directory was durable.)
            directories.syncIfCreatedUnsynced(target.getParent());
        } catch (IOException | RuntimeException | Error e) {
            created.discard(e);
            throw e;
        }
        return created;
    }

    /** A fresh temp name for {@code target}, within NAME_MAX for any valid target name. */
    private Path nameFor(Path target) {
        String name = target.getFileName().toString();
        if (name.length() > NAME_PREFIX_MAX) {
            // The prefix is cosmetic: cut it so the temp name fits wherever the target's does.
            int cut = NAME_PREFIX_MAX;
            if (Character.isHighSurrogate(name.charAt(cut - 1))) {
                cut--;
            }
            name = name.substring(0, cut);
        }
        String random = Long.toHexString(ThreadLocalRandom.current().nextLong());
        StringBuilder temp = new StringBuilder(name.length() + 42).append('.').append(name).append('.');
        for (int i = random.length(); i < 16; i++) {
            temp.append('0');
        }
        return target.resolveSibling(temp.append(random).append(MARKER).append(suffix).toString());
    }

    /**
     * Creates the temp file with its mode (see the class description): given at creation, where the
     * umask can only narrow it, then set exactly. If this throws, no temp file is left.
     */
    private FileChannel open(Path temp, Path target) throws IOException {
        Set<PosixFilePermission> mode = fixedMode != null ? fixedMode : replacedFileMode(target);
        if (mode == null) {
            return FileChannel.open(temp, CREATE_NEW);
        }
        FileChannel channel = FileChannel.open(temp, CREATE_NEW, PosixFilePermissions.asFileAttribute(mode));
        try {
            Files.setPosixFilePermissions(temp, mode);
        } catch (IOException | RuntimeException | Error e) {
            closeAndDelete(channel, temp, e);
            throw e;
        }
        return channel;
    }

    /**
     * The permissions of the regular file at {@code target}; null if there is none or no POSIX.
     * A missing target costs one {@code access(2)}, not a failing {@code lstat} and its exception.
     */
    private static Set<PosixFilePermission> replacedFileMode(Path target) throws IOException {
        if (!Files.exists(target)) {
            return null; // missing, or a link to nothing: a new file either way
        }
        PosixFileAttributeView view = Files.getFileAttributeView(target, PosixFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            return null;
        }
        try {
            PosixFileAttributes old = view.readAttributes();
            return old.isRegularFile() ? old.permissions() : null;
        } catch (NoSuchFileException newFile) {
            return null;
        }
    }

    /** Closes and deletes a temp file that will not be committed; cleanup errors go to {@code cause}. */
    private static void closeAndDelete(FileChannel channel, Path temp, Throwable cause) {
        try {
            channel.close();
        } catch (IOException closing) {
            cause.addSuppressed(closing);
        }
        try {
            Files.deleteIfExists(temp);
        } catch (IOException | RuntimeException cleanup) {
            cause.addSuppressed(cleanup);
        }
    }

    /**
     * One temp file on its way to replacing its target: written through {@link #channel()} or
     * {@link #write}, then either {@linkplain #commit committed} or {@linkplain #discard discarded}.
     * Used by one thread at a time.
     */
    final class Temp {
        private final Path target;
        private final Path path;
        private final FileChannel channel;
        private boolean renamed;

        private Temp(Path target, Path path, FileChannel channel) {
            this.target = target;
            this.path = path;
            this.channel = channel;
        }

        /** The file this temp replaces. */
        Path target() {
            return target;
        }

        /** The temp file itself. */
        Path path() {
            return path;
        }

        /** The temp file, open for writing until {@link #sync} or the end of this temp. */
        FileChannel channel() {
            return channel;
        }

        /** Writes all of {@code data} to the temp file. */
        void write(byte[] data) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(data);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }

        /**
         * Makes the temp's data reach the disk as the level requires and closes it: {@code fdatasync}
         * for {@link Durability#ATOMIC} (data and size), {@code fsync} for {@link Durability#DURABLE}
         * (its mode too), nothing for {@link Durability#NO_SYNC}. Nothing can be written afterwards.
         */
        void sync() throws IOException {
            try (channel) {
                if (durability != Durability.NO_SYNC) {
                    long start = System.nanoTime();
                    channel.force(durability == Durability.DURABLE);
                    listener.fileSynced(System.nanoTime() - start);
                }
            }
        }

        /**
         * Renames the synced temp over the target, if {@code lock} is still held at that moment
         * (otherwise {@link LockLostException}). Leaves the directory fsync to the caller, so that
         * several renames can share it.
         */
        void rename(PathLock lock) throws IOException {
            if (!lock.isHeld()) {
                throw new LockLostException("Lock on " + target + " lost before commit; the write was discarded");
            }
            Files.move(path, target, StandardCopyOption.ATOMIC_MOVE);
            renamed = true;
        }

        /** Whether the temp was renamed over its target: its content is in place. */
        boolean renamed() {
            return renamed;
        }

        /**
         * Replaces the target: {@link #sync}, {@link #rename} under {@code lock}, then under
         * {@link Durability#DURABLE} the fsync of the target's directory. If anything before the
         * rename fails, the temp is discarded and the error rethrown; if only the directory fsync
         * fails, the new content is in place and its error is thrown.
         */
        void commit(PathLock lock) throws IOException {
            try {
                sync();
                rename(lock);
            } catch (IOException | RuntimeException | Error e) {
                discard(e);
                throw e;
            }
            directories.sync(target.getParent());
        }

        /**
         * Discards this temp after {@code cause}: closes and deletes it, adding any cleanup error to
         * {@code cause} as suppressed, so that the original error is the one thrown.
         */
        void discard(Throwable cause) {
            closeAndDelete(channel, path, cause);
        }

        /** Discards this temp: closes and deletes it. */
        void discard() throws IOException {
            try {
                channel.close();
            } finally {
                Files.deleteIfExists(path);
            }
        }
    }
}
