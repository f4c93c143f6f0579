package dev.persistence.it;

import java.nio.file.NoSuchFileException;
import java.util.Map;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Library errors as HTTP answers: missing → 404, bad name or input → 400, self-transfer → 409. Lock failures
 * (timeout, lost lock → 503) are mapped by the extension itself.
 */
public class ErrorMappers {

    @ServerExceptionMapper
    public Response missing(NoSuchFileException e) {
        return error(Response.Status.NOT_FOUND, "No such document");
    }

    @ServerExceptionMapper
    public Response badInput(IllegalArgumentException e) {
        return error(Response.Status.BAD_REQUEST, e.getMessage());
    }

    @ServerExceptionMapper
    public Response selfTransfer(DocumentStore.SelfTransferException e) {
        return error(Response.Status.CONFLICT, e.getMessage());
    }

    private static Response error(Response.Status status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", message)).build();
    }
}
