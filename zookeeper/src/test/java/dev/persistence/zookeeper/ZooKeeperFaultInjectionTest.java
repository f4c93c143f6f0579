package dev.persistence.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.persistence.testsupport.Await;

/**
 * Jepsen-style: worker processes increment counter files in one directory through
 * ZooKeeperLockManager over a 3-node ensemble while faults are injected one after another —
 * the leader killed and restarted, a holder's session expired by SIGSTOP past its timeout while it
 * holds a WRITE with nested writes, a holder SIGKILLed, the reply to a create dropped by a proxy,
 * and idleness past the server's container reaping. After each fault every worker is paused and
 * the counters are checked against the acknowledged increments, then every worker must make
 * progress again. At the end the queue must be empty.
 */
class ZooKeeperFaultInjectionTest {

    private static final int COUNTERS = 4;
    private static final int SESSION_MS = 6_000;
    private static final Map<String, String> SERVER_PROPERTIES = Map.of(
            "znode.container.checkIntervalMs", "100",
            "znode.container.maxNeverUsedIntervalMs", "1000",
            "zookeeper.4lw.commands.whitelist", "srvr");

    @TempDir
    Path dir;

    private final List<Worker> workers = new CopyOnWriteArrayList<>();
    private int lostUpdates, stuckRequests, overlaps, unacknowledged, kills;

    @Test
    @Timeout(value = 420, unit = TimeUnit.SECONDS)
    void faultsLoseNoAcknowledgedIncrementAndLeaveNothingStuck() throws Exception {
        SERVER_PROPERTIES.forEach(System::setProperty);
        List<LoopbackProxy> proxies = new ArrayList<>();
        try (TestingCluster cluster = new TestingCluster(3)) {
            cluster.start();
            StringBuilder viaProxies = new StringBuilder();
            for (InstanceSpec spec : cluster.getInstances()) {
                LoopbackProxy proxy = new LoopbackProxy(spec.getPort());
                proxies.add(proxy);
                viaProxies.append(viaProxies.length() == 0 ? "" : ",").append(proxy.connectString());
            }
            for (int k = 0; k < COUNTERS; k++) {
                Files.writeString(dir.resolve("c" + k), "0");
            }
            workers.add(spawn("direct-1", cluster.getConnectString()));
            workers.add(spawn("direct-2", cluster.getConnectString()));
            workers.add(spawn("proxied", viaProxies.toString()));
            for (Worker worker : workers) {
                Await.await(() -> worker.seen("READY"), Duration.ofSeconds(60), worker.name + " ready");
            }

            phase("warm-up", () -> Await.await(() -> totalAcks() > 50, Duration.ofSeconds(120), "51 acknowledged increments"));
            phase("leader killed and restarted", () -> {
                InstanceSpec leader = leader(cluster);
                cluster.killServer(leader);
                TimeUnit.SECONDS.sleep(3);
                cluster.restartServer(leader);
                TimeUnit.SECONDS.sleep(2);
            });
            phase("holder's session expired (SIGSTOP past the session timeout)", () -> {
                Worker worker = workers.get(0);
                int holds = worker.count("HOLD");
                Await.await(() -> worker.count("HOLD") > holds, Duration.ofSeconds(30), "a hold to stop in");
                signal("STOP", worker.process.pid());
                TimeUnit.MILLISECONDS.sleep(SESSION_MS + 4_000);
                signal("CONT", worker.process.pid());
            });
            phase("holder SIGKILLed", () -> {
                Worker worker = workers.get(1);
                int holds = worker.count("HOLD");
                Await.await(() -> worker.count("HOLD") > holds, Duration.ofSeconds(30), "a hold to kill in");
                worker.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                kills++;
                workers.set(1, spawn("direct-3", cluster.getConnectString()));
                Await.await(() -> workers.get(1).seen("READY"), Duration.ofSeconds(60), "the replacement worker ready");
            });
            phase("reply to a create dropped by the proxy", () -> {
                proxies.forEach(LoopbackProxy::dropReplyToNextCreate);
                Await.await(() -> proxies.stream().mapToInt(LoopbackProxy::repliesDropped).sum() > 0, Duration.ofSeconds(60),
                        "a dropped reply: " + proxies);
                TimeUnit.SECONDS.sleep(2);
            });
            phase("idle past the container reaping interval", () -> {
                pauseAll();
                try (CuratorFramework observer = CuratorFrameworkFactory.newClient(cluster.getConnectString(),
                        new RetryNTimes(5, 200))) {
                    observer.start();
                    Await.await(() -> exists(observer, "/faults") == null, Duration.ofSeconds(60),
                            "the server to reap the idle queue");
                }
            });

            Files.writeString(dir.resolve("stop"), "");
            for (Worker worker : workers) {
                if (!worker.process.waitFor(60, TimeUnit.SECONDS)) {
                    stuckRequests++;
                    report(worker.name + " did not stop: stuck");
                    worker.process.destroyForcibly();
                }
            }
            int leftover;
            try (CuratorFramework observer = CuratorFrameworkFactory.newClient(cluster.getConnectString(),
                    new RetryNTimes(5, 200))) {
                observer.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                do {
                    leftover = ephemerals(observer, "/faults");
                    TimeUnit.MILLISECONDS.sleep(200);
                } while (leftover > 0 && System.nanoTime() < deadline);
            }
            report("queue entries left at the end: " + leftover);
            int acked = totalAcks();
            report("total: " + acked + " acknowledged increments, lost updates " + lostUpdates
                    + ", overlaps " + overlaps + ", stuck requests " + stuckRequests
                    + ", unacknowledged commits " + unacknowledged + " (allowed up to " + kills + " SIGKILLs)");
            assertEquals(0, lostUpdates, "lost updates");
            assertEquals(0, overlaps, "conflicting holders overlapped");
            assertEquals(0, stuckRequests, "stuck requests");
            assertEquals(0, leftover, "queue entries left at the end");
            assertTrue(unacknowledged <= kills, unacknowledged + " commits without an acknowledgement");
            assertTrue(acked > 50, "too little work: " + acked);
        } finally {
            SERVER_PROPERTIES.keySet().forEach(System::clearProperty);
            proxies.forEach(LoopbackProxy::close);
            for (Worker worker : workers) {
                worker.process.destroyForcibly();
            }
        }
    }

    // ------------------------------------------------------------------ phases and checks

    private interface Fault {
        void run() throws Exception;
    }

    /** Every worker ever started: the acknowledgements of a killed one still count. */
    private final List<Worker> spawned = new CopyOnWriteArrayList<>();

    /** Runs a fault, then pauses every worker, checks the counters and requires progress of each. */
    private void phase(String name, Fault fault) throws Exception {
        int acksBefore = totalAcks(), lostBefore = totalLost();
        int lostUpdatesBefore = lostUpdates, stuckBefore = stuckRequests;
        fault.run();
        pauseAll();
        checkCounters();
        Files.deleteIfExists(dir.resolve("pause"));
        for (Worker worker : workers) {
            int acks = worker.count("ACK");
            if (!Await.holdsWithin(() -> worker.count("ACK") > acks, Duration.ofSeconds(60))) {
                stuckRequests++;
            }
        }
        report(String.format("%-62s acks %4d, LockLost %2d, lost updates %d, stuck requests %d", name,
                totalAcks() - acksBefore, totalLost() - lostBefore, lostUpdates - lostUpdatesBefore,
                stuckRequests - stuckBefore));
        for (Worker worker : workers) {
            List<String> lines = worker.lines;
            System.out.println("fault-injection:   " + worker.name + " last: "
                    + lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        }
    }

    private void pauseAll() throws Exception {
        Files.writeString(dir.resolve("pause"), "");
        for (Worker worker : workers) {
            int paused = worker.count("RESUMED");
            if (!Await.holdsWithin(() -> worker.count("PAUSED") > paused, Duration.ofSeconds(90))) {
                stuckRequests++;
                report(worker.name + " did not pause: stuck");
            }
        }
    }

    /**
     * Every acknowledged increment is in the counters: per counter, the acknowledged values are
     * distinct (two holders never read the same value), their fencing tokens grow with the value,
     * and the counter is at least their number; more only by commits a SIGKILL cut off before
     * their acknowledgement.
     */
    private void checkCounters() throws IOException {
        Map<Integer, List<long[]>> acks = new HashMap<>();
        for (Worker worker : spawned) {
            for (String line : worker.lines) {
                if (line.startsWith("ACK ")) {
                    String[] parts = line.split(" ");
                    acks.computeIfAbsent(Integer.parseInt(parts[1]), k -> new ArrayList<>())
                            .add(new long[] { Long.parseLong(parts[2]), Long.parseLong(parts[3]) });
                }
            }
        }
        int lost = 0, overlapping = 0, extra = 0;
        for (int k = 0; k < COUNTERS; k++) {
            List<long[]> mine = acks.getOrDefault(k, List.of());
            mine.sort((a, b) -> Long.compare(a[0], b[0]));
            Set<Long> values = new HashSet<>();
            for (int i = 0; i < mine.size(); i++) {
                if (!values.add(mine.get(i)[0])) {
                    lost++;
                }
                if (i > 0 && mine.get(i)[1] <= mine.get(i - 1)[1]) {
                    overlapping++;
                }
            }
            int counter = Integer.parseInt(Files.readString(dir.resolve("c" + k)).trim());
            lost += Math.max(0, mine.size() - counter);
            extra += Math.max(0, counter - values.size());
        }
        lostUpdates = lost;
        overlaps = overlapping;
        unacknowledged = extra;
    }

    private int totalAcks() {
        return spawned.stream().mapToInt(w -> w.count("ACK")).sum();
    }

    private int totalLost() {
        return spawned.stream().mapToInt(w -> w.count("LOST")).sum();
    }

    private void report(String line) {
        System.out.println("fault-injection: " + line);
    }

    // ------------------------------------------------------------------ processes and ZooKeeper

    private Worker spawn(String name, String connect) throws IOException {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin",
                "java" + (File.separatorChar == '\\' ? ".exe" : "")).toString(),
                "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                FaultWorker.class.getName(), connect, dir.toString(), Integer.toString(COUNTERS),
                Integer.toString(SESSION_MS)).redirectErrorStream(true).start();
        Worker worker = new Worker(name, process);
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    worker.add(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "reader-" + name);
        reader.setDaemon(true);
        reader.start();
        spawned.add(worker);
        return worker;
    }

    private static void signal(String signal, long pid) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor());
    }

    /** The server that is leading now, asked with the "srvr" command. */
    private static InstanceSpec leader(TestingCluster cluster) throws Exception {
        for (int attempt = 0; attempt < 100; attempt++) {
            for (InstanceSpec spec : cluster.getInstances()) {
                try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), spec.getPort())) {
                    OutputStream out = socket.getOutputStream();
                    out.write("srvr".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                    if (answer.contains("Mode: leader")) {
                        return spec;
                    }
                } catch (IOException e) {
                    // not serving right now
                }
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        throw new AssertionError("no leader found");
    }

    private static Stat exists(CuratorFramework client, String path) {
        try {
            return client.checkExists().forPath(path);
        } catch (Exception e) {
            return new Stat();
        }
    }

    /** The ephemeral znodes (queue entries) below {@code path}. */
    private static int ephemerals(CuratorFramework client, String path) throws Exception {
        Stat stat = client.checkExists().forPath(path);
        if (stat == null) {
            return 0;
        }
        int count = stat.getEphemeralOwner() != 0 ? 1 : 0;
        try {
            for (String child : client.getChildren().forPath(path)) {
                count += ephemerals(client, path + "/" + child);
            }
        } catch (KeeperException.NoNodeException gone) {
            // reaped meanwhile
        }
        return count;
    }

    /** One worker process and what it reported. */
    private static final class Worker {
        final String name;
        final Process process;
        final List<String> lines = new CopyOnWriteArrayList<>();
        private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

        Worker(String name, Process process) {
            this.name = name;
            this.process = process;
        }

        void add(String line) {
            lines.add(line);
            counts.computeIfAbsent(line.split(" ", 2)[0], k -> new AtomicInteger()).incrementAndGet();
        }

        int count(String event) {
            AtomicInteger count = counts.get(event);
            return count == null ? 0 : count.get();
        }

        boolean seen(String event) {
            return count(event) > 0;
        }
    }
}
