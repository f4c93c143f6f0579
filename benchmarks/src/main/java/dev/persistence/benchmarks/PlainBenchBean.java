package dev.persistence.benchmarks;

import jakarta.enterprise.context.ApplicationScoped;

/** An application-scoped bean with no interceptor binding at all: what a CDI call costs without one. */
@ApplicationScoped
public class PlainBenchBean {

    /** Only ever touched by the benchmark's one thread. */
    private int count;

    public void plain(String id) {
        count++;
    }
}
