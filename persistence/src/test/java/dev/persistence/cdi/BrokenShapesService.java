package dev.persistence.cdi;

import jakarta.enterprise.context.ApplicationScoped;

import dev.persistence.Locked;

/** Two mistakes of the new shapes: a property the parameter's type lacks, a relative path without a root. */
@ApplicationScoped
public class BrokenShapesService {

    @Locked(path = "/orders/{order.nope}")
    public void missingProperty(AccountService.Order order) {
    }

    @Locked(path = "orders/{id}")
    public void relative(String id) {
    }
}
