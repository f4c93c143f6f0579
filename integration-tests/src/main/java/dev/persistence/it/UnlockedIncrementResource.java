package dev.persistence.it;

import java.io.IOException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code POST /benchmark/unlocked/{collection}/{id}/increment}: the same read-modify-write as
 * {@code POST /documents/{collection}/{id}/increment}, but without the lock held across the read
 * and the write — concurrent increments of one document can lose each other. Disabled (404)
 * unless {@code demo.benchmark.unlocked-increment=true}.
 */
@Path("/benchmark/unlocked")
@Produces(MediaType.APPLICATION_JSON)
public class UnlockedIncrementResource {

    /*
     * Benchmark-only (benchmarks/http/run.sh): the demo's increment with its @Locked lock taken away,
     * so that the HTTP benchmark can measure what the lock costs the endpoint. It answers 404, as if it
     * did not exist, unless demo.benchmark.unlocked-increment=true; the demo's own endpoints are
     * unchanged.
     */

    @ConfigProperty(name = "demo.benchmark.unlocked-increment", defaultValue = "false")
    boolean enabled;

    @Inject
    UnlockedDocumentStore store;

    @POST
    @Path("{collection}/{id}/increment")
    public JsonNode increment(@PathParam("collection") String collection, @PathParam("id") String id,
            @QueryParam("field") @DefaultValue("count") String field) throws IOException {
        if (!enabled) {
            throw new NotFoundException();
        }
        return store.increment(collection, id, field);
    }

    /**
     * The document store whose {@code increment} runs the very same code without its interceptor:
     * an interceptor binding on a method is not inherited by an override, and {@code super.increment}
     * calls the body directly. Typed to itself so that it never answers an injection of DocumentStore.
     */
    @ApplicationScoped
    @Typed(UnlockedDocumentStore.class)
    static class UnlockedDocumentStore extends DocumentStore {

        @Override
        public JsonNode increment(String collection, String id, String field) throws IOException {
            return super.increment(collection, id, field);
        }
    }
}
