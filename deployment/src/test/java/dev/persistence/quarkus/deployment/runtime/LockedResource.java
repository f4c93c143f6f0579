package dev.persistence.quarkus.deployment.runtime;

import java.io.IOException;

import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;

import dev.persistence.LockLostException;
import dev.persistence.LockMode;
import dev.persistence.Locked;
import dev.persistence.PersistenceClient;

/**
 * A REST resource whose methods fail the ways lock users see: a lock wait running out, a lock lost, a bad argument,
 * a path the client refuses.
 */
@Path("/locked")
public class LockedResource {

    @Inject
    PersistenceClient client;

    @POST
    @Path("{id}")
    @Locked(path = "/resources/{id}", mode = LockMode.WRITE)
    public String update(@PathParam("id") String id) {
        return "updated " + id;
    }

    @POST
    @Path("value")
    @Locked(path = "/values/{id}", mode = LockMode.WRITE)
    public String value(@QueryParam("id") String id) {
        return "updated " + id;
    }

    @POST
    @Path("lost")
    public String lost() {
        throw new LockLostException("the coordinator session expired");
    }

    @POST
    @Path("file")
    public String file(@QueryParam("name") String name) throws IOException {
        client.writeString(client.root().orElseThrow().resolve("accounts").resolve(name), "x");
        return "written " + name;
    }
}
