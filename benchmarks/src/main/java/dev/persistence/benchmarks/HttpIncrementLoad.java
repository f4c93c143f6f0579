package dev.persistence.benchmarks;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.openjdk.jmh.util.ListStatistics;

/**
 * Drives {@code POST .../increment} over loopback and reports throughput and latency, each as a
 * mean with its 99.9 % confidence interval over the iterations (as JMH computes it), and the
 * ratio of the locked to the unlocked endpoint measured in alternating iterations. Every iteration
 * uses a fresh collection; after it, the counts stored in the documents are read back and compared
 * with the increments acknowledged with 200. Exits with status 1, naming what failed, when any
 * request was refused or a check that the lock promises fails: a locked document's count must equal
 * its acknowledged increments, and on one hot document every acknowledged increment must have
 * returned a different count. Without the lock, the counts lost on the hot document are reported,
 * not failed: they are why the lock is there.
 *
 * <p>
 * Usage: {@code HttpIncrementLoad <base-url> [connections] [documents] [warm-up-seconds]
 * [iteration-seconds] [iterations]}; defaults 16, 1000, 10, 4, 16.
 */
public final class HttpIncrementLoad {

    /*
     * The HTTP benchmark's load generator: closed-loop HTTP/1.1 keep-alive connections, one thread
     * each, against the demo's increment endpoint with its @Locked lock and against its benchmark-only
     * twin without it (UnlockedIncrementResource in integration-tests). benchmarks/http/run.sh starts
     * the demo and runs this; it owns the phases, the correctness checks and the report.
     */

    /** The two sides: the demo's endpoint and its benchmark-only twin without the lock. */
    private enum Endpoint {
        LOCKED("/documents", "@Locked increment"),
        UNLOCKED("/benchmark/unlocked", "the same without the lock");

        final String prefix, label;

        Endpoint(String prefix, String label) {
            this.prefix = prefix;
            this.label = label;
        }

        Endpoint other() {
            return this == LOCKED ? UNLOCKED : LOCKED;
        }
    }

    private final String host;
    private final int port;
    private final int connections, documents, warmupSeconds, iterationSeconds, iterations;
    private final List<String> failures = new ArrayList<>();

    private HttpIncrementLoad(String[] args) {
        URI base = URI.create(args[0]);
        host = base.getHost();
        port = base.getPort();
        connections = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        documents = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        warmupSeconds = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        iterationSeconds = args.length > 4 ? Integer.parseInt(args[4]) : 4;
        iterations = args.length > 5 ? Integer.parseInt(args[5]) : 16;
        if (documents < connections) {
            throw new IllegalArgumentException("Need at least one document per connection: " + documents + " < " + connections);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println(
                    "Usage: HttpIncrementLoad <base-url> [connections] [documents] [warm-up-seconds] [iteration-seconds] [iterations]");
            System.exit(2);
        }
        HttpIncrementLoad load = new HttpIncrementLoad(args);
        load.run();
        if (!load.failures.isEmpty()) {
            System.out.println();
            load.failures.forEach(failure -> System.out.println("FAILED: " + failure));
            System.exit(1);
        }
        System.out.println();
        System.out.println("Every check passed.");
    }

    private void run() throws Exception {
        System.out.printf(Locale.ROOT, "%d connections, %d documents, warm-up %d s per side, %d iterations of %d s per side%n",
                connections, documents, warmupSeconds, iterations, iterationSeconds);
        // Many documents: connection c increments documents c, c + connections, ... in turn, so no two
        // connections ever touch one document and the unlocked twin must count exactly too: the
        // difference between the sides is the lock alone.
        Scenario many = new Scenario("many documents", "many", true,
                (c, n) -> "doc-" + (c + (n % ((documents - 1 - c) / connections + 1)) * connections));
        Scenario hot = new Scenario("one hot document", "hot", false, (c, n) -> "hot");
        for (Scenario scenario : List.of(many, hot)) {
            scenario.measure(Endpoint.LOCKED, "warm-up", warmupSeconds, false);
            scenario.measure(Endpoint.UNLOCKED, "warm-up", warmupSeconds, false);
        }
        for (Scenario scenario : List.of(many, hot)) {
            for (int i = 0; i < iterations; i++) {
                // Alternating order (ABBA...): both sides share the disk's and the machine's same minutes.
                Endpoint first = i % 2 == 0 ? Endpoint.LOCKED : Endpoint.UNLOCKED;
                scenario.measure(first, "i" + i, iterationSeconds, true);
                scenario.measure(first.other(), "i" + i, iterationSeconds, true);
            }
            scenario.report();
        }
    }

    /** Which document connection {@code c} increments in its {@code n}-th request. */
    @FunctionalInterface
    private interface Target {
        String document(int connection, long n);
    }

    /** One workload on both endpoints: its measured iterations and their statistics. */
    private final class Scenario {
        final String name, collectionPrefix;
        /** No two connections share a document: the unlocked side must count exactly as well. */
        final boolean disjoint;
        final Target target;
        final Map<Endpoint, Side> sides = new EnumMap<>(Endpoint.class);
        /** Throughput locked / unlocked of each pair of iterations. */
        final ListStatistics ratios = new ListStatistics();

        Scenario(String name, String collectionPrefix, boolean disjoint, Target target) {
            this.name = name;
            this.collectionPrefix = collectionPrefix;
            this.disjoint = disjoint;
            this.target = target;
            for (Endpoint endpoint : Endpoint.values()) {
                sides.put(endpoint, new Side());
            }
        }

        /** Runs {@code seconds} of load on a fresh collection, checks it, and records it when {@code measured}. */
        void measure(Endpoint endpoint, String label, int seconds, boolean measured) throws Exception {
            String collection = collectionPrefix + "-" + endpoint.name().toLowerCase(Locale.ROOT) + "-" + label;
            Run run = Run.execute(host, port, endpoint, collection, connections, seconds, target);
            if (run.refused > 0) {
                failures.add(name + ", " + collection + ": " + run.refused + " requests refused, first: " + run.firstRefusal);
            }
            long stored = 0;
            try (Connection check = new Connection(host, port)) {
                for (String document : run.counts.keySet()) {
                    stored += check.count("GET", "/documents/" + collection + "/" + document);
                }
            }
            long lost = run.acknowledged - stored;
            Side side = sides.get(endpoint);
            if (endpoint == Endpoint.LOCKED || disjoint) {
                if (lost != 0) {
                    failures.add(name + ", " + collection + ": " + run.acknowledged + " increments acknowledged, " + stored
                            + " counted");
                }
            } else if (measured) {
                side.lost += lost;
                side.acknowledged += run.acknowledged;
            }
            if (endpoint == Endpoint.LOCKED && !run.distinctCounts()) {
                failures.add(name + ", " + collection + ": two acknowledged increments returned the same count");
            }
            System.out.printf(Locale.ROOT,
                    "  %-16s %-20s %8.0f req/s  p50 %7.2f ms  p99 %7.2f ms  %d acknowledged, %d counted%n",
                    name, collection, run.throughput(), run.percentileMillis(50), run.percentileMillis(99), run.acknowledged,
                    stored);
            if (measured) {
                side.throughput.addValue(run.throughput());
                side.p50.addValue(run.percentileMillis(50));
                side.p99.addValue(run.percentileMillis(99));
                side.lastThroughput = run.throughput();
                Side other = sides.get(endpoint.other());
                if (!Double.isNaN(other.lastThroughput)) {
                    // A pair is complete: its ratio, locked over unlocked.
                    double ratio = endpoint == Endpoint.LOCKED ? run.throughput() / other.lastThroughput
                            : other.lastThroughput / run.throughput();
                    ratios.addValue(ratio);
                    side.lastThroughput = other.lastThroughput = Double.NaN;
                }
            }
        }

        void report() {
            System.out.println();
            System.out.printf(Locale.ROOT, "%s (%d connections%s), %d × %d s per side, alternating; mean ± 99.9 %% interval%n",
                    name, connections, disjoint ? ", " + documents + " documents" : "", iterations, iterationSeconds);
            for (Endpoint endpoint : Endpoint.values()) {
                Side side = sides.get(endpoint);
                System.out.printf(Locale.ROOT, "  %-28s %s req/s   p50 %s ms   p99 %s ms%n", endpoint.label,
                        PairRatios.figure(side.throughput, "%.0f"), PairRatios.figure(side.p50, "%.2f"),
                        PairRatios.figure(side.p99, "%.2f"));
                if (side.acknowledged > 0) {
                    System.out.printf(Locale.ROOT, "  %-28s %d of %d acknowledged increments lost (%.1f %%)%n", "",
                            side.lost, side.acknowledged, 100.0 * side.lost / side.acknowledged);
                }
            }
            System.out.printf(Locale.ROOT, "  throughput locked / unlocked, per pair: %s%n", PairRatios.figure(ratios, "%.3f"));
        }
    }

    /** One endpoint's measured iterations. */
    private static final class Side {
        final ListStatistics throughput = new ListStatistics(), p50 = new ListStatistics(), p99 = new ListStatistics();
        double lastThroughput = Double.NaN;
        long lost, acknowledged;
    }

    /** One timed run of all connections against one endpoint and collection. */
    private static final class Run {
        long acknowledged, refused, elapsedNanos;
        String firstRefusal;
        long[] latencies;
        final Map<String, List<Long>> counts = new HashMap<>();

        static Run execute(String host, int port, Endpoint endpoint, String collection, int connections, int seconds,
                Target target) throws Exception {
            Worker[] workers = new Worker[connections];
            CountDownLatch ready = new CountDownLatch(connections), go = new CountDownLatch(1);
            for (int c = 0; c < connections; c++) {
                workers[c] = new Worker(new Connection(host, port), c, endpoint.prefix + "/" + collection + "/", target, ready,
                        go);
                workers[c].start();
            }
            ready.await();
            long start = System.nanoTime();
            long deadline = start + seconds * 1_000_000_000L;
            for (Worker worker : workers) {
                worker.deadline = deadline;
            }
            go.countDown();
            Run run = new Run();
            List<long[]> latencies = new ArrayList<>();
            for (Worker worker : workers) {
                worker.join();
                if (worker.failure != null) {
                    throw new IllegalStateException("Connection " + worker.index + " failed", worker.failure);
                }
                run.acknowledged += worker.acknowledged;
                run.refused += worker.refused;
                if (run.firstRefusal == null) {
                    run.firstRefusal = worker.firstRefusal;
                }
                latencies.add(Arrays.copyOf(worker.latencies, worker.acknowledged));
                worker.counts
                        .forEach((document, list) -> run.counts.computeIfAbsent(document, d -> new ArrayList<>()).addAll(list));
            }
            // Ends when the last connection's last request was answered: nothing is left in flight.
            run.elapsedNanos = System.nanoTime() - start;
            run.latencies = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            return run;
        }

        double throughput() {
            return acknowledged * 1e9 / elapsedNanos;
        }

        double percentileMillis(double percentile) {
            if (latencies.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.min(latencies.length - 1, Math.ceil(percentile / 100 * latencies.length) - 1);
            return latencies[Math.max(0, index)] / 1e6;
        }

        /** Whether no two acknowledged increments of one document returned the same count. */
        boolean distinctCounts() {
            for (List<Long> returned : counts.values()) {
                if (returned.stream().distinct().count() != returned.size()) {
                    return false;
                }
            }
            return true;
        }
    }

    /** One connection's closed loop: the next request as soon as the last one is answered, until the deadline. */
    private static final class Worker extends Thread {
        final Connection connection;
        final int index;
        final String prefix;
        final Target target;
        final CountDownLatch ready, go;
        final Map<String, List<Long>> counts = new HashMap<>();
        volatile long deadline;
        long[] latencies = new long[1 << 12];
        int acknowledged;
        long refused;
        String firstRefusal;
        Throwable failure;

        Worker(Connection connection, int index, String prefix, Target target, CountDownLatch ready, CountDownLatch go) {
            super("http-load-" + index);
            this.connection = connection;
            this.index = index;
            this.prefix = prefix;
            this.target = target;
            this.ready = ready;
            this.go = go;
        }

        @Override
        public void run() {
            try (connection) {
                ready.countDown();
                go.await();
                for (long n = 0; System.nanoTime() - deadline < 0; n++) {
                    String document = target.document(index, n);
                    long start = System.nanoTime();
                    Connection.Response response = connection.send("POST", prefix + document + "/increment");
                    long latency = System.nanoTime() - start;
                    if (response.status != 200) {
                        refused++;
                        if (firstRefusal == null) {
                            firstRefusal = response.status + " " + response.body;
                        }
                        continue;
                    }
                    if (acknowledged == latencies.length) {
                        latencies = Arrays.copyOf(latencies, latencies.length * 2);
                    }
                    latencies[acknowledged++] = latency;
                    counts.computeIfAbsent(document, d -> new ArrayList<>()).add(response.count());
                }
            } catch (Throwable e) {
                failure = e;
            }
        }
    }

    /**
     * A minimal HTTP/1.1 keep-alive client over one socket: requests without a body, responses framed
     * by Content-Length (what the demo sends); anything else fails loudly rather than being guessed.
     */
    private static final class Connection implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;
        private final String hostHeader;

        record Response(int status, String body) {
            /** The {@code count} member of a JSON object answer. */
            long count() {
                int at = body.indexOf("\"count\":");
                if (at < 0) {
                    throw new IllegalStateException("No count in " + body);
                }
                int from = at + 8, to = from;
                while (to < body.length() && Character.isDigit(body.charAt(to))) {
                    to++;
                }
                return Long.parseLong(body.substring(from, to));
            }
        }

        Connection(String host, int port) throws IOException {
            socket = new Socket(host, port);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(60_000);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream(), 8192);
            hostHeader = host + ":" + port;
        }

        long count(String method, String path) throws IOException {
            Response response = send(method, path);
            if (response.status != 200) {
                throw new IllegalStateException(method + " " + path + " answered " + response.status + " " + response.body);
            }
            return response.count();
        }

        Response send(String method, String path) throws IOException {
            out.write((method + " " + path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nContent-Length: 0\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String statusLine = line();
            if (!statusLine.startsWith("HTTP/1.1 ")) {
                throw new IOException("Not an HTTP/1.1 response: " + statusLine);
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            int length = -1;
            boolean close = false;
            for (String header = line(); !header.isEmpty(); header = line()) {
                String lower = header.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(lower.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:")) {
                    throw new IOException("Unsupported response framing: " + header);
                } else if (lower.startsWith("connection:") && lower.contains("close")) {
                    close = true;
                }
            }
            if (length < 0) {
                throw new IOException("No Content-Length in the answer to " + method + " " + path);
            }
            if (close) {
                throw new IOException("The server closed the connection after " + method + " " + path);
            }
            return new Response(status, new String(in.readNBytes(length), StandardCharsets.UTF_8));
        }

        private String line() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream(64);
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("Connection closed by the server");
                }
                if (b != '\r') {
                    line.write(b);
                }
            }
            return line.toString(StandardCharsets.US_ASCII);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
