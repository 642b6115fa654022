package dev.outrigger.outbox.store;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.outrigger.framework.Configs;
import dev.outrigger.outbox.OutboxRecord;

/**
 * A child process for the crash test: appends and prints each sequence once append has returned,
 * until killed; bounded in count and time so that it never outlives a test that failed to kill it.
 */
public final class AppendUntilKilled {

    private AppendUntilKilled() {
    }

    public static void main(String[] args) throws Exception {
        MvStoreOutbox outbox = new MvStoreOutbox();
        outbox.open(Path.of(args[0]), Configs.of(MvStoreOutbox.Config.class, Map.of("sync", args[1])));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int i = 0; i < 200_000 && System.nanoTime() < deadline; i++) {
            long sequence = outbox.append(OutboxRecord.of("test/crash", ("record " + i).getBytes(StandardCharsets.UTF_8)));
            System.out.println(sequence);
            System.out.flush();
        }
        System.exit(0);
    }
}
