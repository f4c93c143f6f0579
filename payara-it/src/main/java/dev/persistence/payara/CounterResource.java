package dev.persistence.payara;

import java.io.IOException;

import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/** Counters by path segment or, so that a client can send any value (".."), by query parameter. */
@Path("/counters")
public class CounterResource {

    @Inject
    Counters counters;

    @POST
    @Path("{name}")
    @Produces(MediaType.TEXT_PLAIN)
    public String increment(@PathParam("name") String name) throws IOException {
        return Long.toString(counters.increment(name));
    }

    @POST
    @Produces(MediaType.TEXT_PLAIN)
    public String incrementNamed(@QueryParam("name") String name) throws IOException {
        return Long.toString(counters.increment(name));
    }
}
