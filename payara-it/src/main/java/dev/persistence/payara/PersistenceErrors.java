package dev.persistence.payara;

import jakarta.ws.rs.ext.Provider;

import dev.persistence.rest.PersistenceExceptionMapping;

/** The library's opt-in error answers, found by the server's scanning of this WAR: refused paths 400, lock timeouts 503. */
@Provider
public class PersistenceErrors extends PersistenceExceptionMapping {
}
