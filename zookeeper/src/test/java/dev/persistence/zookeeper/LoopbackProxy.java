package dev.persistence.zookeeper;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/*
 * A TCP proxy on loopback between ZooKeeper clients and one server, for fault injection:
 * it can refuse connections (a network partition), delay every reply, or let the next
 * create-like request reach the server and then cut the connection before its reply
 * (the "lost reply" of a create). It reads the client's frames (4-byte length + payload)
 * to recognise the request type; nothing else of the protocol is interpreted.
 */
final class LoopbackProxy implements AutoCloseable {

    /** ZooKeeper op codes that create znodes: create, multi, create2, createContainer, createTTL. */
    private static final Set<Integer> CREATES = Set.of(1, 14, 15, 19, 21);

    private final ServerSocket listener;
    private final int target;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean refusing;
    private volatile long replyDelayMillis;
    private final AtomicInteger cutsArmed = new AtomicInteger();
    private final AtomicInteger cutsDone = new AtomicInteger();
    private final Map<Integer, AtomicInteger> framesByType = new ConcurrentHashMap<>();

    LoopbackProxy(int targetPort) throws IOException {
        this.target = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "proxy-accept-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The connect string of this proxy. */
    String connectString() {
        return "127.0.0.1:" + listener.getLocalPort();
    }

    /** Cuts every connection and refuses new ones until {@link #heal()}. */
    void partition() {
        refusing = true;
        for (Socket socket : open) {
            closeQuietly(socket);
        }
    }

    void heal() {
        refusing = false;
    }

    /** Holds every reply from the server this long before passing it on. */
    void delayReplies(long millis) {
        replyDelayMillis = millis;
    }

    /** The next create-like request reaches the server, and then its connection is cut before the reply. */
    void dropReplyToNextCreate() {
        cutsArmed.incrementAndGet();
    }

    /** How many replies to a create were dropped so far. */
    int repliesDropped() {
        return cutsDone.get();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                if (refusing) {
                    closeQuietly(client);
                    continue;
                }
                Socket server = new Socket();
                server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 5_000);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                open.add(client);
                open.add(server);
                start(() -> requests(client, server), "proxy-requests");
                start(() -> replies(server, client), "proxy-replies");
            } catch (IOException e) {
                // the listener closed, or the server refused: the client retries
            }
        }
    }

    /** Client to server, frame by frame; the first frame is the connect request, without a header. */
    private void requests(Socket client, Socket server) {
        try (DataInputStream in = new DataInputStream(client.getInputStream())) {
            OutputStream out = server.getOutputStream();
            boolean first = true;
            while (true) {
                int length = in.readInt();
                byte[] frame = new byte[length];
                in.readFully(frame);
                int type = !first && length >= 8 ? ((frame[4] & 0xff) << 24 | (frame[5] & 0xff) << 16
                        | (frame[6] & 0xff) << 8 | (frame[7] & 0xff)) : -1;
                first = false;
                framesByType.computeIfAbsent(type, t -> new AtomicInteger()).incrementAndGet();
                boolean cut = CREATES.contains(type) && takeCut();
                synchronized (client) {
                    if (cut) {
                        client.setSoLinger(true, 0);
                        open.remove(client); // the reply pump sees it gone and drops whatever comes
                    }
                }
                byte[] packet = new byte[4 + length];
                packet[0] = (byte) (length >>> 24);
                packet[1] = (byte) (length >>> 16);
                packet[2] = (byte) (length >>> 8);
                packet[3] = (byte) length;
                System.arraycopy(frame, 0, packet, 4, length);
                out.write(packet);
                out.flush();
                if (cut) {
                    TimeUnit.MILLISECONDS.sleep(300); // the server applies the create meanwhile
                    cutsDone.incrementAndGet();
                    closeQuietly(client);
                    closeQuietly(server);
                    return;
                }
            }
        } catch (IOException | InterruptedException e) {
            closeQuietly(client);
            closeQuietly(server);
        }
    }

    /** How many client requests of these ZooKeeper op codes passed so far, all together. */
    int frames(int... opCodes) {
        int total = 0;
        for (int opCode : opCodes) {
            AtomicInteger count = framesByType.get(opCode);
            total += count == null ? 0 : count.get();
        }
        return total;
    }

    @Override
    public String toString() {
        return "proxy " + connectString() + " frames by type " + framesByType + ", cuts armed " + cutsArmed + ", done "
                + cutsDone;
    }

    private boolean takeCut() {
        return cutsArmed.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
    }

    private void replies(Socket server, Socket client) {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = server.getInputStream()) {
            OutputStream out = client.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                long delay = replyDelayMillis;
                if (delay > 0) {
                    TimeUnit.MILLISECONDS.sleep(delay);
                }
                synchronized (client) {
                    if (!open.contains(client)) {
                        continue; // cut: the reply is lost
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
        } catch (IOException | InterruptedException e) {
            // either side closed
        } finally {
            closeQuietly(client);
            closeQuietly(server);
        }
    }

    private static void start(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    private void closeQuietly(Socket socket) {
        open.remove(socket);
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        partition();
        try {
            listener.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
