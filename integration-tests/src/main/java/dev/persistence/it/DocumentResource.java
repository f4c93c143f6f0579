package dev.persistence.it;

import java.io.IOException;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.databind.JsonNode;

/** The document store over HTTP. */
@Path("/documents")
@Produces(MediaType.APPLICATION_JSON)
public class DocumentResource {

    @Inject
    DocumentStore store;

    @GET
    @Path("{collection}")
    public List<String> list(@PathParam("collection") String collection) throws IOException {
        return store.list(DocumentStore.segment(collection));
    }

    @GET
    @Path("{collection}/{id}")
    public JsonNode get(@PathParam("collection") String collection, @PathParam("id") String id) throws IOException {
        return store.get(collection, id);
    }

    @PUT
    @Path("{collection}/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response put(@PathParam("collection") String collection, @PathParam("id") String id, JsonNode document)
            throws IOException {
        if (document == null || !document.isObject()) {
            throw new IllegalArgumentException("A document is a JSON object");
        }
        store.put(collection, id, document);
        return Response.noContent().build();
    }

    @DELETE
    @Path("{collection}/{id}")
    public Response delete(@PathParam("collection") String collection, @PathParam("id") String id) throws IOException {
        store.delete(collection, id);
        return Response.noContent().build();
    }

    @POST
    @Path("{collection}/{id}/increment")
    public JsonNode increment(@PathParam("collection") String collection, @PathParam("id") String id,
            @QueryParam("field") @DefaultValue("count") String field) throws IOException {
        return store.increment(collection, id, field);
    }

    /**
     * {@code {"from":"a","to":"b","amount":10}} (optional {@code "field"}, default {@code balance}): 400 unless
     * {@code amount} is a whole number above zero, {@code from} and {@code to} are names and {@code field} a string;
     * 409 when {@code from} and {@code to} are the same document.
     */
    @POST
    @Path("{collection}/transfer")
    @Consumes(MediaType.APPLICATION_JSON)
    public List<JsonNode> transfer(@PathParam("collection") String collection, JsonNode request) throws IOException {
        if (request == null || !request.isObject()) {
            throw new IllegalArgumentException("A transfer is a JSON object {\"from\":..,\"to\":..,\"amount\":..}");
        }
        JsonNode amount = request.path("amount");
        if (!amount.isIntegralNumber() || !amount.canConvertToLong()) {
            throw new IllegalArgumentException("amount must be a whole number, not " + amount);
        }
        return store.transfer(collection, text(request, "from"), text(request, "to"),
                request.has("field") ? text(request, "field") : "balance", amount.longValue());
    }

    private static String text(JsonNode request, String member) {
        JsonNode value = request.path(member);
        if (!value.isTextual()) {
            throw new IllegalArgumentException(member + " must be a string, not " + value);
        }
        return value.textValue();
    }
}
