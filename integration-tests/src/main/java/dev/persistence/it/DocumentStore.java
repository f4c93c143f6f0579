package dev.persistence.it;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.persistence.Batch;
import dev.persistence.DeleteOption;
import dev.persistence.LockMode;
import dev.persistence.Locked;
import dev.persistence.PersistenceClient;

/**
 * JSON documents in collections: {@code <root>/<collection>/<id>.json}. Single-document
 * operations rely on the client's own locks; read-modify-write operations hold a @Locked lock
 * across the read and the write, so concurrent updates never lose each other.
 */
@ApplicationScoped
public class DocumentStore {

    private static final String SUFFIX = ".json";

    @Inject
    PersistenceClient client;

    @Inject
    ObjectMapper json;

    public JsonNode get(String collection, String id) throws IOException {
        return json.readTree(client.read(file(collection, id)));
    }

    public void put(String collection, String id, JsonNode document) throws IOException {
        client.write(file(collection, id), json.writeValueAsBytes(document));
    }

    public void delete(String collection, String id) throws IOException {
        client.delete(file(collection, id));
    }

    public List<String> list(String collection) throws IOException {
        List<String> ids = new ArrayList<>();
        for (String name : client.collect(directory(collection))) {
            if (name.endsWith(SUFFIX) && !name.startsWith(".")) {
                ids.add(name.substring(0, name.length() - SUFFIX.length()));
            }
        }
        return ids;
    }

    /** Adds one to a numeric field of a document (created when missing), atomically. */
    @Locked(path = "{collection}/{id}.json", mode = LockMode.WRITE)
    public JsonNode increment(String collection, String id, String field) throws IOException {
        ObjectNode document;
        try {
            document = (ObjectNode) get(collection, id);
        } catch (NoSuchFileException missing) {
            document = json.createObjectNode();
        }
        document.put(field, document.path(field).asLong(0) + 1);
        put(collection, id, document);
        return document;
    }

    /**
     * Moves {@code amount} (above zero) of a numeric field from one document to another of the same collection,
     * atomically, under a lock on exactly those two documents (transfers between other documents run beside it):
     * one batch writes both, so after a crash or a power loss (and the start-up recovery) the amount is in one of
     * them, never in both or neither. Both documents must exist; a document cannot transfer to itself
     * ({@link SelfTransferException}).
     */
    @Locked(path = { "{collection}/{from}.json", "{collection}/{to}.json" }, mode = LockMode.WRITE)
    public List<JsonNode> transfer(String collection, String from, String to, String field, long amount)
            throws IOException {
        if (amount <= 0) {
            throw new IllegalArgumentException("amount must be above zero, not " + amount);
        }
        if (segment(from).equals(segment(to))) {
            throw new SelfTransferException(from);
        }
        ObjectNode source = (ObjectNode) get(collection, from);
        ObjectNode target = (ObjectNode) get(collection, to);
        long available = source.path(field).asLong(0);
        if (available < amount) {
            throw new IllegalArgumentException("'" + from + "' has " + available + " " + field + ", not " + amount);
        }
        source.put(field, available - amount);
        target.put(field, target.path(field).asLong(0) + amount);
        try (Batch both = client.batch()) { // both documents or neither, even across a crash or power loss
            both.write(file(collection, from), json.writeValueAsBytes(source));
            both.write(file(collection, to), json.writeValueAsBytes(target));
            both.commit();
        }
        return List.of(source, target);
    }

    public void dropCollection(String collection) throws IOException {
        client.delete(directory(collection), DeleteOption.RECURSIVE, DeleteOption.IGNORE_MISSING);
    }

    private Path directory(String collection) {
        return client.resolve(segment(collection));
    }

    private Path file(String collection, String id) {
        return client.resolve(segment(collection), segment(id) + SUFFIX);
    }

    /** A transfer whose source and target are the same document: it would create money. */
    public static final class SelfTransferException extends RuntimeException {
        SelfTransferException(String id) {
            super("'" + id + "' cannot transfer to itself");
        }
    }

    /** Ids and collection names are single path segments: nothing else reaches the filesystem. */
    static String segment(String value) {
        if (value == null || value.isEmpty() || value.equals(".") || value.equals("..") || value.startsWith(".")
                || value.indexOf('/') >= 0 || value.indexOf('\\') >= 0 || value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("Not a valid name: '" + value + "'");
        }
        return value;
    }
}
