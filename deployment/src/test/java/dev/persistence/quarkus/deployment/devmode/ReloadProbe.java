package dev.persistence.quarkus.deployment.devmode;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import dev.persistence.LockInfo;
import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.Locked;
import dev.persistence.cdi.PersistenceSettings;
import io.vertx.ext.web.Router;

/** GET /probe answers the path its @Locked method holds while running and the configured lock timeout. */
@ApplicationScoped
public class ReloadProbe {

    @Inject
    LockManager manager;

    @Inject
    PersistenceSettings settings;

    @Locked(path = "/reload/before/{id}", mode = LockMode.WRITE)
    public String heldPath(String id) {
        return manager.locks(10).stream().filter(lock -> lock.state() == LockInfo.State.HELD)
                .map(lock -> lock.path().toString()).findFirst().orElse("nothing held");
    }

    void routes(@Observes Router router) {
        router.get("/probe").blockingHandler(request -> request.response()
                .end(heldPath("x") + " " + settings.lockTimeout().map(Object::toString).orElse("none")));
    }
}
