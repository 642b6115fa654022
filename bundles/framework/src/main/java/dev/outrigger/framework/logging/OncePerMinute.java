package dev.outrigger.framework.logging;

import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * A log line that a flood cannot multiply: the first occurrence is logged, then at most one a
 * minute, each with the count of occurrences since the last line (that one's own included).
 */
public final class OncePerMinute {

    private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

    private final LongSupplier nanoTime;
    private long count;
    private long last;

    public OncePerMinute() {
        this(System::nanoTime);
    }

    /** With the time source it counts minutes on: tests make them pass. */
    OncePerMinute(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.last = nanoTime.getAsLong() - 2 * MINUTE;
    }

    /** One more occurrence; logs it with {@code line} unless a line was logged less than a minute ago. */
    public synchronized void occurred(LongConsumer line) {
        count++;
        long now = nanoTime.getAsLong();
        if (now - last > MINUTE) {
            last = now;
            line.accept(count);
            count = 0;
        }
    }
}
