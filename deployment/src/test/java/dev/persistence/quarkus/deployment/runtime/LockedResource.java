package dev.persistence.quarkus.deployment.runtime;

import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;

import dev.persistence.LockLostException;
import dev.persistence.LockMode;
import dev.persistence.Locked;

/** A REST resource whose methods fail the ways lock users see: a lock wait running out, a lock lost, a bad argument. */
@Path("/locked")
public class LockedResource {

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
}
