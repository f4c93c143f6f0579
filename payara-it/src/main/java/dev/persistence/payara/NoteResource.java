package dev.persistence.payara;

import java.io.IOException;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.persistence.PersistenceClient;

/** Notes written as files under persistence.root/notes, named by the caller: the client refuses names that escape. */
@Path("/notes")
public class NoteResource {

    @Inject
    PersistenceClient client;

    @PUT
    @Consumes(MediaType.TEXT_PLAIN)
    public void write(@QueryParam("name") String name, String text) throws IOException {
        client.writeString(client.root().orElseThrow().resolve("notes").resolve(name), text);
    }
}
