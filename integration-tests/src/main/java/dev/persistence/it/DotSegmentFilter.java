package dev.persistence.it;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;

/**
 * Refuses a request whose raw path holds a {@code .} or {@code ..} segment (plain or
 * percent-encoded) with 400. The HTTP layer would otherwise normalise it away and route the
 * request somewhere the client did not name; a storage API says "not a valid name" instead.
 */
@Provider
@PreMatching
public class DotSegmentFilter implements ContainerRequestFilter {

    @Override
    public void filter(ContainerRequestContext request) {
        String rawPath = request.getUriInfo().getRequestUri().getRawPath();
        for (String segment : rawPath.split("/")) {
            String name = URLDecoder.decode(segment, StandardCharsets.UTF_8);
            if (name.equals(".") || name.equals("..")) {
                request.abortWith(Response.status(Response.Status.BAD_REQUEST).type(MediaType.APPLICATION_JSON)
                        .entity(Map.of("error", "Not a valid name: '" + name + "'")).build());
                return;
            }
        }
    }
}
