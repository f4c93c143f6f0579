package dev.persistence.benchmarks;

import java.nio.file.Path;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.Locked;
import dev.persistence.PathLock;

/** An application-scoped bean with one trivial method per way of calling it under a lock. */
@ApplicationScoped
public class LockedBenchBean {

    /*
     * The bean LockedInterceptorBenchmark calls: the same trivial work (increment a field) without a
     * binding, under @Locked READ and WRITE with a path template parameter, and under the same lock
     * taken by hand. The hand-written path is built as the interceptor builds it (literal text and the
     * argument, then Path.of), so lockedX - manualX is the interceptor's cost, of which passThrough - plain
     * is what the container charges any interceptor. One bean, so the
     * plain call goes through the same intercepted subclass and client proxy as the others.
     */

    @Inject
    LockManager manager;

    /** Only ever touched by the benchmark's one thread, READ lock or not. */
    private int count;

    /** No binding: the plain client-proxy call, the baseline. */
    public void plain(String id) {
        count++;
    }

    /** Under an interceptor that only proceeds: the container's cost of any interceptor. */
    @PassThrough
    public void passThrough(String id) {
        count++;
    }

    @Locked(path = "/bench/{id}", mode = LockMode.READ)
    public void lockedRead(String id) {
        count++;
    }

    @Locked(path = "/bench/{id}", mode = LockMode.WRITE)
    public void lockedWrite(String id) {
        count++;
    }

    public void manualRead(String id) throws InterruptedException {
        underLock(id, LockMode.READ);
    }

    public void manualWrite(String id) throws InterruptedException {
        underLock(id, LockMode.WRITE);
    }

    private void underLock(String id, LockMode mode) throws InterruptedException {
        try (PathLock ignored = manager.acquire(Path.of("/bench/" + id), mode)) {
            count++;
        }
    }
}
