package dev.persistence.reliability;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import dev.persistence.Durability;
import dev.persistence.LockManager;
import dev.persistence.PersistenceClient;
import dev.persistence.testsupport.Transfers;

/**
 * The child process of {@link BatchCrashLoopTest}: two threads transfer money between the account
 * files of a directory, one batch per transfer, until the process is killed.
 */
public final class BatchTransferWriter {

    static final List<String> ACCOUNTS = List.of("a", "b", "c/c", "c/d", "e/f/g");

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        PersistenceClient client = PersistenceClient.builder(LockManager.create())
                .durability(Durability.valueOf(args[1])).build();
        for (int t = 0; t < 2; t++) {
            Thread transfers = new Thread(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                try {
                    while (true) {
                        String from = ACCOUNTS.get(random.nextInt(ACCOUNTS.size()));
                        String to = ACCOUNTS.get(random.nextInt(ACCOUNTS.size()));
                        if (!from.equals(to)) {
                            Transfers.transfer(client, dir.resolve(from), dir.resolve(to), 1 + random.nextInt(30));
                        }
                    }
                } catch (Exception e) {
                    e.printStackTrace();
                    System.exit(1);
                }
            });
            transfers.start();
        }
        System.out.println("ready");
        System.out.flush();
    }
}
