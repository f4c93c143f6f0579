package dev.persistence.it;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;

import org.jboss.resteasy.reactive.RestPath;

import io.smallrye.mutiny.Uni;

/** Reactive endpoints (they run on the Vert.x event loop) over {@code @Locked} Uni methods. */
@Path("/counters/{id}")
public class ReactiveCounterResource {

    @Inject
    ReactiveCounters counters;

    @GET
    public Uni<Integer> get(@RestPath String id) {
        return counters.get(id);
    }

    @POST
    @Path("increment")
    public Uni<Integer> increment(@RestPath String id) {
        return counters.increment(id);
    }

    @POST
    @Path("hold")
    public Uni<Integer> hold(@RestPath String id, @QueryParam("ms") long millis) {
        return counters.hold(id, millis);
    }
}
