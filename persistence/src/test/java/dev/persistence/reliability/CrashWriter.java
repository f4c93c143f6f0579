package dev.persistence.reliability;

import java.nio.file.Path;
import java.util.Arrays;

import dev.persistence.LockManager;
import dev.persistence.PersistenceClient;

/** The child process of {@link CrashLoopTest}: rewrites one file with two contents in turn until killed. */
public final class CrashWriter {

    static final int SIZE = 300 * 1024;

    static byte[] content(char fill) {
        byte[] bytes = new byte[SIZE];
        Arrays.fill(bytes, (byte) fill);
        return bytes;
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]).resolve("target.bin");
        PersistenceClient client = PersistenceClient.builder(LockManager.create())
                .durable(Boolean.parseBoolean(args[1])).build();
        byte[] a = content('a'), b = content('b');
        client.write(file, a);
        System.out.println("ready");
        System.out.flush();
        for (long i = 0;; i++) {
            client.write(file, i % 2 == 0 ? b : a);
        }
    }
}
