package dev.outrigger.remote;

import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/** A log line that a flood cannot multiply: at most one a minute, with the count since the last. */
final class OncePerMinute {

    private final LongConsumer line;
    private long count;
    private long last = System.nanoTime() - TimeUnit.MINUTES.toNanos(2);

    OncePerMinute(LongConsumer line) {
        this.line = line;
    }

    synchronized void occurred() {
        count++;
        long now = System.nanoTime();
        if (now - last > TimeUnit.MINUTES.toNanos(1)) {
            last = now;
            line.accept(count);
            count = 0;
        }
    }
}
