package dev.outrigger.outbox.store;

import java.nio.file.Path;
import java.util.Map;

import dev.outrigger.outbox.OutboxRecord;

/** A child process for the crash test: appends and prints each sequence once append has returned. */
public final class AppendUntilKilled {

    private AppendUntilKilled() {
    }

    public static void main(String[] args) throws Exception {
        MvStoreOutbox outbox = new MvStoreOutbox();
        outbox.open(Path.of(args[0]), Configs.outbox(Map.of("sync", args[1])));
        for (int i = 0;; i++) {
            long sequence = outbox.append(OutboxRecord.of("test/crash", ("record " + i).getBytes()));
            System.out.println(sequence);
            System.out.flush();
        }
    }
}
