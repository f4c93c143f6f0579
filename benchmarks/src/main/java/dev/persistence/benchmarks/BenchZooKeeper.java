package dev.persistence.benchmarks;

import java.util.Map;

import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/**
 * The ZooKeeper benchmarks' server: Curator's in-JVM TestingServer on loopback (a fresh temporary
 * data directory, removed on close) with its transaction log written but not fsync'd
 * ({@code forceSync=no}).
 *
 * <p>
 * Why: with the log fsync'd, every write request waits for the disk, and on a shared virtual
 * disk whose fsync varies by an order of magnitude within minutes that wait is what a run
 * measures — its error bars exceeded the means. Without the fsync each request still goes through
 * the server's whole pipeline (prep, log append, commit, reply) as on a real ensemble, minus the
 * disk. Both sides of each comparison use the same server in the same run, and both write to its
 * log on every acquire and release, so neither gains from it; a real ensemble adds the disk and the
 * network to both.
 */
final class BenchZooKeeper {

    private BenchZooKeeper() {
    }

    /** A started server; the caller closes it. */
    static TestingServer start() throws Exception {
        // -1 for each port and id: a free one, as new TestingServer() does; deleteDataDirectoryOnClose
        InstanceSpec spec = new InstanceSpec(null, -1, -1, -1, true, -1, -1, -1, Map.of("forceSync", "no"));
        return new TestingServer(spec, true);
    }
}
