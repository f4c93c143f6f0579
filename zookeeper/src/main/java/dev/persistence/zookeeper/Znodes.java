package dev.persistence.zookeeper;

import static dev.persistence.spi.PathRules.IR;
import static dev.persistence.spi.PathRules.IW;
import static dev.persistence.spi.PathRules.R;
import static dev.persistence.spi.PathRules.W;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.persistence.LockMode;
import dev.persistence.spi.PathRules;

/*
 * The znode layout of the ZooKeeper lock manager: where a path's node lives, where a request's
 * entries go, what their names say. Nothing here talks to ZooKeeper.
 *
 *   <base>/t/_<seg0>/_<seg1>/...      one node per path prefix, root included; each segment is
 *                                     "_" + base64url (no padding) of its UTF-8 bytes, so every name
 *                                     a path can hold ('\n', '/', '-', non-ASCII) round-trips
 *   <node>/r/<R|W>-<id>-<seq>         real entries: a request ON this path (R or W)
 *   <node>/i/<IR|IW>-<id>-<seq>       intention entries: a request BELOW this path; none on a
 *                                     filesystem root's node (see entries())
 *
 * Every node, list and the base are CONTAINER znodes: the server reaps them once empty, and
 * the manager recreates them when a create finds them gone. Entries are EPHEMERAL_SEQUENTIAL;
 * <id> is the request's random id (32 hex digits), the same in all its entries.
 */
final class Znodes {

    /** The names of the entry modes (PathRules' IR, IW, R, W, shared with the local manager), by mode. */
    private static final String[] NAMES = { "IR", "IW", "R", "W" };
    static final int ID_LENGTH = 32;
    private static final Base64.Encoder SEGMENTS = Base64.getUrlEncoder().withoutPadding();

    private final String tree;

    Znodes(String basePath) {
        String base = basePath.endsWith("/") ? basePath.substring(0, basePath.length() - 1) : basePath;
        if (!base.startsWith("/") || base.length() < 2) {
            throw new IllegalArgumentException("The base path must be an absolute znode path below '/': '" + basePath + "'");
        }
        this.tree = base + "/t";
    }

    /** The node of {@code path}: one znode per segment below the tree, the root being the first segment. */
    String node(Path path) {
        StringBuilder node = new StringBuilder(tree);
        appendSegment(node, path.getRoot().toString());
        for (Path name : path) {
            appendSegment(node, name.toString());
        }
        return node.toString();
    }

    /** The path a node stands for: the inverse of {@link #node(Path)}. */
    Path path(String node) {
        String[] segments = node.substring(tree.length() + 1).split("/");
        String root = decode(segments[0]);
        String[] names = new String[segments.length - 1];
        for (int i = 1; i < segments.length; i++) {
            names[i - 1] = decode(segments[i]);
        }
        return Path.of(root, names);
    }

    private static void appendSegment(StringBuilder node, String segment) {
        node.append("/_").append(SEGMENTS.encodeToString(segment.getBytes(StandardCharsets.UTF_8)));
    }

    private static String decode(String segment) {
        return new String(Base64.getUrlDecoder().decode(segment.substring(1)), StandardCharsets.UTF_8);
    }

    /**
     * The entries of one request: node to entry mode, a real entry on each requested path and an
     * intention entry on each of its ancestors but a filesystem root. Where a node is both (one
     * path below another of the same request), the real entry stands: it conflicts with everything
     * the intention does. The first entry is the first path's real entry.
     */
    Map<String, Integer> entries(List<Path> paths, LockMode mode) {
        /*
         * No intention on a root: the only request ON a root is a READ (a write there is refused),
         * whose entry conflicts with IW alone. An IR on a root would conflict with nothing; an IW
         * would tell a READ of the root about a write below it, and the READ of the root finds
         * those writes on the root's children instead (the nodes below it: see the manager).
         * Every request pays one znode less, and only a READ of a root reads more.
         */
        Map<String, Integer> entries = new LinkedHashMap<>();
        for (Path path : paths) {
            String node = node(path);
            entries.merge(node, PathRules.entryMode(mode, true), Math::max);
            for (int names = path.getNameCount(); names > 1; names--) {
                node = node.substring(0, node.lastIndexOf('/')); // a segment holds no '/'
                entries.merge(node, PathRules.entryMode(mode, false), Math::max);
            }
        }
        return entries;
    }

    /** The nodes of the roots of {@code paths}, each once. */
    List<String> roots(List<Path> paths) {
        List<String> roots = new ArrayList<>(1);
        for (Path path : paths) {
            String root = node(path.getRoot());
            if (!roots.contains(root)) {
                roots.add(root);
            }
        }
        return roots;
    }

    /** Whether {@code node} is a filesystem root's node. */
    boolean isRoot(String node) {
        return node.indexOf('/', tree.length() + 1) < 0;
    }

    /** Whether a child of a node, as getChildren names it, is a node (the path one name further), not a list. */
    static boolean isNode(String child) {
        return child.startsWith("_");
    }

    /** The list of a node that holds entries of {@code mode}. */
    static String list(String node, int mode) {
        return node + (mode >= R ? "/r" : "/i");
    }

    /** The name an entry is created with; ZooKeeper appends the sequence number. */
    static String entryPrefix(String node, int mode, String id) {
        return list(node, mode) + "/" + NAMES[mode] + "-" + id + "-";
    }

    /** An entry as its name tells it; {@code null} for a name that is not an entry. */
    static Entry parse(String name) {
        int dash = name.indexOf('-');
        int seqAt = name.lastIndexOf('-') + 1;
        if (dash < 1 || seqAt != dash + ID_LENGTH + 2) {
            return null;
        }
        int mode = switch (name.substring(0, dash)) {
            case "IR" -> IR;
            case "IW" -> IW;
            case "R" -> R;
            case "W" -> W;
            default -> -1;
        };
        if (mode < 0) {
            return null;
        }
        try {
            return new Entry(name, mode, name.substring(dash + 1, dash + 1 + ID_LENGTH), Long.parseLong(name.substring(seqAt)));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** One entry in a list: its name, mode, request id and sequence number within the list. */
    record Entry(String name, int mode, String id, long seq) {
    }
}
