package dev.persistence;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * Commits a batch's changes, and completes after a crash the batches that were committed, with a
 * redo intent on plain {@code rename(2)} and {@code fsync(2)}.
 *
 * <h2>The recipe</h2>
 * Under the WRITE lock of every changed path, with the client's batch level (an
 * {@link Durability#ATOMIC} client syncs its batches as a {@link Durability#DURABLE} one):
 * <ol>
 * <li>each new content goes to its temp file beside its target, which is fsync'd (missing
 * directories are created, and their parents fsync'd);
 * <li>the <em>intent</em> — every change of the batch with its new content, and a CRC-32C of it
 * all — goes to a temp file in the batch's home (the deepest directory holding every changed
 * path), which is fsync'd and renamed to its intent name, {@code .persistence-batch.<16 hex
 *     digits>.<temp suffix>}; then the home is fsync'd. <b>This fsync is the commit point</b>:
 * before it ends, nothing of the batch is visible at any target; after it, the intent is on disk
 * whole (its data was fsync'd before its name existed) and the batch will be applied;
 * <li>each temp file is renamed over its target, each moved file over its target, each deleted path
 * (a moved file's old path among them) is deleted;
 * <li>the directory of each changed path is fsync'd, so the whole applied batch is on disk;
 * <li>the intent is deleted and the home fsync'd, before the lock is released.
 * </ol>
 * {@link #rollForward} (run by {@code recover}) applies every intent it is given again from its
 * own content — steps 3 to 5, the temp files written anew — whatever a crash left of the first
 * attempt: a rename that half survived a power loss, a temp file lost with its directory entry, a
 * delete done or not. A batch with no intent on disk was not committed: nothing of it is at any
 * target, and its temp files are orphans that {@code recover} deletes by name.
 *
 * <h2>Why each fsync is needed</h2>
 * The intent's data before its rename: otherwise its name may survive with a torn content. The home
 * after the rename, before any target changes: otherwise a power loss may keep some renames and
 * lose the intent that would complete the others. The changed directories before the intent is
 * deleted: otherwise the deletion may survive while some renames are lost. The home after the
 * deletion, before the lock is released: otherwise a stale intent could come back after a power
 * loss and redo the batch over a later write to its paths. Roll-forward depends on no temp file and
 * redoes each change as a whole, so it is correct however often it is cut short and repeated. At
 * {@link Durability#NO_SYNC} nothing is fsync'd: the intent still orders a process crash (the
 * kernel keeps what it was given, in order), but a power loss may leave anything; an intent whose
 * CRC does not match was never committed and is deleted.
 */
final class BatchJournal {

    /*
     * The crash-atomic recipe of batches: the intent file (its name, place and format), the order in
     * which a batch's temp files, intent, renames, deletes and fsyncs happen, and the roll-forward that
     * recover() runs on the intents a crash left behind. Temp files and their renames are
     * AtomicReplacement's, directories and their fsyncs DirectoryDurability's, at the batch's level;
     * this class only orders them.
     */

    private static final String INTENT_PREFIX = ".persistence-batch.";
    /** Intent names of every temp suffix: refused for user paths, like temp names. */
    private static final Pattern ANY_INTENT_NAME = Pattern
            .compile(Pattern.quote(INTENT_PREFIX) + "[0-9a-f]{16}\\.[A-Za-z0-9_-]{1,16}");
    /** "PBATCH" and the format's version. */
    private static final long MAGIC = 0x5042415443480001L;
    private static final byte WRITE = 0, DELETE = 1, DELETE_RECURSIVE = 2;

    private final PersistenceClient client;
    private final String suffix;
    private final DirectoryDurability directories;
    private final AtomicReplacement replacement;

    /**
     * The journal of {@code client}, whose temp names end in {@code suffix} and whose files get
     * {@code fileMode} (null: a replaced file's mode): it syncs at {@code durability}, except that an
     * {@link Durability#ATOMIC} client's batches sync as {@link Durability#DURABLE} ones.
     */
    BatchJournal(PersistenceClient client, String suffix, Durability durability, Set<PosixFilePermission> fileMode,
            PersistenceClient.Listener listener) {
        Durability level = durability == Durability.ATOMIC ? Durability.DURABLE : durability;
        this.client = client;
        this.suffix = suffix;
        this.directories = new DirectoryDurability(level, listener);
        this.replacement = new AtomicReplacement(suffix, level, fileMode, directories, listener);
    }

    /** One change of a batch: a path's new content, or (content null) its deletion. */
    record Change(Path path, byte[] content, boolean recursive) {
        boolean isWrite() {
            return content != null;
        }
    }

    /** Whether a file name has the form of an intent name of any temp suffix. */
    static boolean hasAnyIntentName(String name) {
        return name.startsWith(INTENT_PREFIX) && ANY_INTENT_NAME.matcher(name).matches();
    }

    /** Whether a file name is an intent name of this journal's temp suffix. */
    boolean isIntentName(String name) {
        return hasAnyIntentName(name) && name.length() == INTENT_PREFIX.length() + 17 + suffix.length()
                && name.endsWith(suffix);
    }

    /**
     * Applies {@code changes} all together under {@code lock}, which covers every changed path:
     * the recipe of the class description. A move is a write of the moved file's content to its
     * target, which {@code moves} maps to the moved file, and a delete of the moved file after
     * it; it is applied by renaming the moved file, and redone from the intent by writing the
     * content. An exception before the commit point leaves nothing (no target changed, no temp
     * file, no intent); one after it says that the batch was committed, is partly applied, and will
     * be completed by {@code recover}.
     */
    void commit(PathLock lock, List<Change> changes, Map<Path, Path> moves) throws IOException {
        Map<Path, AtomicReplacement.Temp> temps = new HashMap<>();
        Path intent;
        try {
            prepare(changes, moves.keySet(), temps);
            intent = writeIntent(lock, changes);
        } catch (IOException | RuntimeException | Error e) {
            discardAll(temps.values(), e);
            throw e;
        }
        try {
            finish(intent, applyChanges(lock, changes, temps, moves));
        } catch (IOException e) {
            discardAll(temps.values(), e);
            throw new IOException("The batch is committed but only partly applied; recover() of "
                    + intent.getParent() + " (or of a directory above it) completes it", e);
        }
    }

    /**
     * Step 1: writes and syncs the temp file of each write, except those to the targets of
     * {@code moved}, into {@code temps} (by target); on failure, the temps written so far are in
     * {@code temps} for the caller to discard.
     */
    void prepare(List<Change> changes, Set<Path> moved, Map<Path, AtomicReplacement.Temp> temps) throws IOException {
        for (Change change : changes) {
            if (change.isWrite() && !moved.contains(change.path())) {
                temps.put(change.path(), written(change.path(), change.content()));
            }
        }
    }

    /**
     * Step 2, the commit point: writes the intent of {@code changes} into their home, syncs it,
     * renames it to its intent name while {@code lock} is still held, and syncs the home. Returns
     * the intent; if this throws, no intent is left.
     */
    Path writeIntent(PathLock lock, List<Change> changes) throws IOException {
        Path home = home(changes.stream().map(Change::path).toList());
        directories.createDirectories(home); // a batch of deletes only has created nothing
        Path intent = home.resolve(newIntentName());
        AtomicReplacement.Temp temp = written(intent, encode(home, changes));
        try {
            temp.rename(lock);
        } catch (IOException | RuntimeException | Error e) {
            temp.discard(e);
            throw e;
        }
        try {
            directories.sync(home);
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(intent); // not committed: its directory's fsync failed
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        return intent;
    }

    /**
     * Completes the batches of {@code intents}, intent files found by {@code recover} under
     * {@code lock}, its lock on a directory above them all: each is applied again from its content,
     * then deleted. An intent whose content does not check out was never committed and is only
     * deleted.
     *
     * @throws IOException if an intent checks out but names a path outside its directory (no
     *         intent this library wrote), or a change cannot be applied
     */
    void rollForward(List<Path> intents, PathLock lock) throws IOException {
        for (Path intent : intents) {
            List<Change> changes = decode(intent.getParent(), Files.readAllBytes(intent));
            if (changes == null) {
                finish(intent, Set.of());
                continue;
            }
            for (Change change : changes) {
                client.refuseLinks(change.path());
            }
            finish(intent, applyChanges(lock, changes, Map.of(), Map.of()));
        }
    }

    /**
     * Step 3: applies committed changes in their order, renaming over each written target its
     * prepared temp file, or the file {@code moves} moves there, or else a new temp file; returns
     * the directories it changed.
     */
    Set<Path> applyChanges(PathLock lock, List<Change> changes, Map<Path, AtomicReplacement.Temp> temps,
            Map<Path, Path> moves) throws IOException {
        Set<Path> changed = new LinkedHashSet<>();
        for (Change change : changes) {
            Path target = change.path();
            if (change.isWrite() && moves.containsKey(target)) {
                Files.move(moves.get(target), target, StandardCopyOption.ATOMIC_MOVE);
            } else if (change.isWrite()) {
                AtomicReplacement.Temp temp = temps.get(target);
                (temp != null ? temp : written(target, change.content())).rename(lock);
            } else if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                client.deleteEntry(target, change.recursive());
            }
            changed.add(target.getParent());
        }
        return changed;
    }

    /** Steps 4 and 5: syncs the changed directories, then deletes the intent and syncs its directory. */
    void finish(Path intent, Set<Path> changed) throws IOException {
        for (Path dir : changed) {
            directories.sync(dir);
        }
        Files.delete(intent);
        directories.sync(intent.getParent());
    }

    /** A temp file for {@code target} holding {@code data}, synced at this journal's level; none is left on failure. */
    private AtomicReplacement.Temp written(Path target, byte[] data) throws IOException {
        AtomicReplacement.Temp temp = replacement.create(target);
        try {
            temp.write(data);
            temp.sync();
        } catch (IOException | RuntimeException | Error e) {
            temp.discard(e);
            throw e;
        }
        return temp;
    }

    private static void discardAll(Collection<AtomicReplacement.Temp> temps, Throwable cause) {
        for (AtomicReplacement.Temp temp : temps) {
            temp.discard(cause);
        }
    }

    /** The deepest directory that holds every path: where the batch's intent lies. */
    static Path home(Collection<Path> paths) {
        Path home = null;
        for (Path path : paths) {
            Path parent = path.getParent();
            if (home == null) {
                home = parent;
            }
            while (!parent.startsWith(home)) {
                home = home.getParent();
            }
        }
        return home;
    }

    private String newIntentName() {
        String random = Long.toHexString(ThreadLocalRandom.current().nextLong());
        return INTENT_PREFIX + "0".repeat(16 - random.length()) + random + "." + suffix;
    }

    // ------------------------------------------------------------------ the intent's format

    /*
     * magic (8 bytes), the number of changes (4), then per change: its kind (1), its path relative
     * to the home as '/'-separated UTF-8 (4 + n), for a write its content (4 + n); last the CRC-32C
     * of everything before it (4). Integers are big-endian.
     */

    static byte[] encode(Path home, List<Change> changes) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(MAGIC);
            out.writeInt(changes.size());
            for (Change change : changes) {
                out.writeByte(change.isWrite() ? WRITE : change.recursive() ? DELETE_RECURSIVE : DELETE);
                StringBuilder relative = new StringBuilder();
                for (Path name : home.relativize(change.path())) {
                    relative.append(relative.length() == 0 ? "" : "/").append(name);
                }
                writeBlock(out, relative.toString().getBytes(StandardCharsets.UTF_8));
                if (change.isWrite()) {
                    writeBlock(out, change.content());
                }
            }
            CRC32C crc = new CRC32C();
            crc.update(bytes.toByteArray());
            out.writeInt((int) crc.getValue());
        } catch (IOException impossible) {
            throw new IllegalStateException(impossible); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    private static void writeBlock(DataOutputStream out, byte[] block) throws IOException {
        out.writeInt(block.length);
        out.write(block);
    }

    /**
     * The changes of an intent in {@code home}; null if its content does not check out (torn, or
     * not an intent).
     *
     * @throws IOException if it checks out but names a path that is not below {@code home}
     */
    static List<Change> decode(Path home, byte[] intent) throws IOException {
        if (intent.length < 16) {
            return null;
        }
        CRC32C crc = new CRC32C();
        crc.update(intent, 0, intent.length - 4);
        ByteBuffer in = ByteBuffer.wrap(intent);
        if (in.getLong() != MAGIC || in.getInt(intent.length - 4) != (int) crc.getValue()) {
            return null;
        }
        in.limit(intent.length - 4);
        List<Change> changes = new ArrayList<>();
        try {
            for (int n = in.getInt(); n > 0; n--) {
                byte kind = in.get();
                Path path = below(home, new String(readBlock(in), StandardCharsets.UTF_8));
                changes.add(new Change(path, kind == WRITE ? readBlock(in) : null, kind == DELETE_RECURSIVE));
            }
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new IOException("Not a batch intent of this library, although its checksum matches: " + home, e);
        }
        return changes;
    }

    private static byte[] readBlock(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new BufferUnderflowException();
        }
        byte[] block = new byte[length];
        in.get(block);
        return block;
    }

    /** {@code home} joined with a relative '/'-separated path of plain names, never leaving it. */
    private static Path below(Path home, String relative) {
        Path path = home;
        for (String name : relative.split("/", -1)) {
            if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('\0') >= 0
                    || name.contains(home.getFileSystem().getSeparator())) {
                throw new IllegalArgumentException("not a plain name: '" + name + "'");
            }
            path = path.resolve(name);
        }
        return path;
    }
}
