package dev.persistence.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The page cache of a simulated machine over the real files below one base directory, driven by
 * {@link FaultyFileSystem}. File data reaches the disk only when the file is fsync'd; a directory's
 * entries (creations, renames, unlinks) only when the directory is fsync'd. A file fsync does not
 * make the file's name durable, a directory fsync does not make any file's data durable.
 *
 * <p>
 * A power loss keeps, in the worst order POSIX allows, any mix of what was not yet on disk:
 * for every name in every directory independently, its binding as of the last directory fsync or
 * its current binding (so one half of a rename may survive without the other); for every file
 * written since its last fsync, its content as of that fsync, its current content, a torn
 * prefix of the current content (empty included), or as many zero bytes as it now has. What
 * survives is chosen at random, or with {@link #keepOnlySynced} is only what was fsync'd.
 *
 * <p>
 * {@link #cutPowerAfter} arms a cut at the n-th event (a file create, write or fsync, a mkdir,
 * unlink, rename or directory fsync below the base): that event does not happen, the disk's state
 * is frozen, and it and every later mutation through the filesystem fail with
 * {@link PowerLostException}, like a dead disk. {@link #restart} then puts the frozen state (or,
 * with no cut yet, the state a cut now would leave) onto the real files, which become the synced
 * state of the next run. Symbolic links below the base are not modelled.
 */
final class PageCache {

    /*
     * The crash model of FaultyFileSystem: what of the files and directory entries below one base
     * directory has reached the disk, and what a power loss leaves of them.
     */

    /** Every mutation after the power was cut fails with this. */
    static final class PowerLostException extends IOException {
        PowerLostException(String message) {
            super(message);
        }
    }

    /** A file or directory (an inode): what is on disk and what is only in memory. */
    static final class Node {
        final boolean directory;
        final Map<String, Node> entries = new HashMap<>();
        Map<String, Node> syncedEntries = new HashMap<>();
        byte[] synced = new byte[0];
        boolean dirty;
        byte[] detached;

        Node(boolean directory) {
            this.directory = directory;
        }
    }

    private static final byte[] DIRECTORY = new byte[0];

    private final Path base;
    private final Random random;
    private Node root;
    private long countdown = -1;
    private TreeMap<String, byte[]> frozen;
    private long events;
    private boolean worstCase;

    PageCache(Path base, long seed) throws IOException {
        this.base = base;
        this.random = new Random(seed);
        this.root = load(base);
    }

    /** Cuts the power at the {@code n}-th event from now (0: the next one). */
    synchronized void cutPowerAfter(long n) {
        countdown = n;
    }

    /** From now on a power loss keeps only what was fsync'd: no random choices. */
    synchronized void keepOnlySynced() {
        worstCase = true;
    }

    /** Whether the power has been cut. */
    synchronized boolean isDown() {
        return frozen != null;
    }

    /** Events seen so far. */
    synchronized long events() {
        return events;
    }

    /**
     * Cuts the power if it is still on, writes what survived onto the real files, and powers up:
     * everything on them is now on disk.
     */
    synchronized void restart() throws IOException {
        TreeMap<String, byte[]> disk = frozen != null ? frozen : survivors();
        try (Stream<Path> all = Files.walk(base)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(base)) {
                    Files.delete(p);
                }
            }
        }
        for (Map.Entry<String, byte[]> e : disk.entrySet()) {
            Path p = base.resolve(e.getKey());
            if (e.getValue() == DIRECTORY) {
                Files.createDirectories(p);
            } else {
                Files.createDirectories(p.getParent());
                Files.write(p, e.getValue());
            }
        }
        root = load(base);
        frozen = null;
        countdown = -1;
    }

    // ------------------------------------------------------------------ hooks of FaultyFileSystem

    /** Before opening {@code real}: a create is an event. Returns whether the open creates the file. */
    synchronized boolean beforeOpen(Path real, Set<? extends OpenOption> options) throws IOException {
        checkPower();
        boolean creates = below(real) && (options.contains(StandardOpenOption.CREATE_NEW)
                || options.contains(StandardOpenOption.CREATE) && !Files.exists(real, LinkOption.NOFOLLOW_LINKS));
        if (creates) {
            event(real);
        }
        return creates;
    }

    /** After opening {@code real}: its node (null outside the base; the base itself is modelled). */
    synchronized Node opened(Path real, boolean created, Set<? extends OpenOption> options) {
        if (!real.startsWith(base)) {
            return null;
        }
        if (created) {
            Node file = new Node(false);
            file.dirty = true;
            parentOf(real).entries.put(name(real), file);
            return file;
        }
        Node node = lookup(real);
        if (options.contains(StandardOpenOption.TRUNCATE_EXISTING) && !node.directory) {
            node.dirty = true;
        }
        return node;
    }

    synchronized void beforeWrite(Node node, Path real) throws IOException {
        checkPower();
        if (node != null) {
            event(real);
            node.dirty = true;
        }
    }

    /** An fsync: a file's data or a directory's entries reach the disk. */
    synchronized void force(Node node, Path real) throws IOException {
        checkPower();
        if (node == null) {
            return;
        }
        event(real);
        if (node.directory) {
            node.syncedEntries = new HashMap<>(node.entries);
        } else {
            node.synced = Files.readAllBytes(base.resolve(pathOf(node)));
            node.dirty = false;
        }
    }

    synchronized void beforeMutation(Path real) throws IOException {
        checkPower();
        if (below(real)) {
            event(real);
        }
    }

    synchronized void createdDirectory(Path real) {
        if (below(real)) {
            parentOf(real).entries.put(name(real), new Node(true));
        }
    }

    /** Before {@code real} is unlinked or replaced: keeps the content its inode still has. */
    synchronized void detaching(Path real) throws IOException {
        if (below(real) && Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
            Node node = parentOf(real).entries.get(name(real));
            if (node != null && !node.directory) {
                node.detached = Files.readAllBytes(real);
            }
        }
    }

    synchronized void deleted(Path real) {
        if (below(real)) {
            parentOf(real).entries.remove(name(real));
        }
    }

    synchronized void moved(Path from, Path to) {
        Node node = below(from) ? parentOf(from).entries.remove(name(from)) : null;
        if (below(to)) {
            if (node == null) {
                throw new IllegalStateException("a move into the simulated tree from outside it: " + from);
            }
            parentOf(to).entries.put(name(to), node);
        }
    }

    // ------------------------------------------------------------------ the model

    private void checkPower() throws PowerLostException {
        if (frozen != null) {
            throw new PowerLostException("power lost");
        }
    }

    private void event(Path real) throws PowerLostException {
        events++;

        if (countdown == 0) {
            frozen = survivors();
            throw new PowerLostException("power cut before an operation on " + real);
        }
        if (countdown > 0) {
            countdown--;
        }
    }

    /** What a power loss now leaves: relative path to content ({@link #DIRECTORY} for a directory). */
    private TreeMap<String, byte[]> survivors() {
        Map<Node, String> paths = new IdentityHashMap<>();
        currentPaths(root, "", paths);
        Map<Node, byte[]> contents = new IdentityHashMap<>();
        TreeMap<String, byte[]> disk = new TreeMap<>();
        survive(root, "", paths, contents, disk, 0);
        return disk;
    }

    private void survive(Node dir, String path, Map<Node, String> paths, Map<Node, byte[]> contents,
            TreeMap<String, byte[]> disk, int depth) {
        if (depth > 64) {
            throw new IllegalStateException("directory cycle in the surviving tree at " + path);
        }
        Set<String> names = new TreeSet<>(dir.entries.keySet());
        names.addAll(dir.syncedEntries.keySet());
        for (String name : names) {
            Node now = dir.entries.get(name);
            Node before = dir.syncedEntries.get(name);
            Node kept = now == before || !worstCase && random.nextBoolean() ? now : before;
            if (kept == null) {
                continue;
            }
            String child = path.isEmpty() ? name : path + "/" + name;
            if (kept.directory) {
                disk.put(child, DIRECTORY);
                survive(kept, child, paths, contents, disk, depth + 1);
            } else {
                disk.put(child, contents.computeIfAbsent(kept, n -> content(n, paths.get(n))));
            }
        }
    }

    /** A file's content after the power loss: on disk if clean, else its old, its new or a torn content. */
    private byte[] content(Node file, String currentPath) {
        if (!file.dirty || worstCase) {
            return file.synced;
        }
        byte[] now;
        try {
            now = currentPath != null ? Files.readAllBytes(base.resolve(currentPath)) : file.detached;
        } catch (IOException e) {
            throw new IllegalStateException("simulated tree out of step with the real files", e);
        }
        if (now == null) {
            return file.synced;
        }
        return switch (random.nextInt(4)) {
            case 0 -> file.synced;
            case 1 -> now;
            case 2 -> Arrays.copyOf(now, now.length == 0 ? 0 : random.nextInt(now.length));
            default -> new byte[now.length]; // the size reached the disk, the data did not
        };
    }

    private static void currentPaths(Node dir, String path, Map<Node, String> paths) {
        for (Map.Entry<String, Node> e : dir.entries.entrySet()) {
            String child = path.isEmpty() ? e.getKey() : path + "/" + e.getKey();
            paths.put(e.getValue(), child);
            if (e.getValue().directory) {
                currentPaths(e.getValue(), child, paths);
            }
        }
    }

    private String pathOf(Node node) {
        Map<Node, String> paths = new IdentityHashMap<>();
        currentPaths(root, "", paths);
        String path = paths.get(node);
        if (path == null) {
            throw new IllegalStateException("fsync of a file that has no name any more");
        }
        return path;
    }

    private boolean below(Path real) {
        return real.startsWith(base) && !real.equals(base);
    }

    private static String name(Path real) {
        return real.getFileName().toString();
    }

    private Node parentOf(Path real) {
        return lookup(real.getParent());
    }

    private Node lookup(Path real) {
        Node node = root;
        for (Path name : base.relativize(real)) {
            if (name.toString().isEmpty()) {
                continue;
            }
            node = node.entries.get(name.toString());
            if (node == null) {
                throw new IllegalStateException("simulated tree out of step: no " + real);
            }
        }
        return node;
    }

    /** The real tree below {@code dir}, all of it on disk. */
    private static Node load(Path dir) throws IOException {
        Node node = new Node(true);
        List<Path> children = new ArrayList<>();
        try (Stream<Path> list = Files.list(dir)) {
            list.forEach(children::add);
        }
        for (Path child : children) {
            Node loaded;
            if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                loaded = load(child);
            } else {
                loaded = new Node(false);
                loaded.synced = Files.readAllBytes(child);
            }
            node.entries.put(name(child), loaded);
        }
        node.syncedEntries = new HashMap<>(node.entries);
        return node;
    }
}
