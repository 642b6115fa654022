package dev.outrigger.outbox.store;

import java.util.function.LongSupplier;

/**
 * The outbox's own clock: milliseconds the outbox has been open, summed over its runs (the store
 * keeps the sum). Ages are measured on it rather than on the wall clock because an edge node
 * without a real-time clock (a Raspberry Pi) boots with a stale time and jumps ahead when NTP first
 * answers: on the wall clock every record appended before the jump would look days old and expire.
 * Time while the gateway is off does not count: a record waits {@code maxAgeHours} of running time
 * (to the minute, see the outbox's marks) for the broker.
 */
final class QueueClock {

    private final LongSupplier nanoTime;
    private final long base;
    private final long openedAt;

    /** @param base the sum kept by the store, from the runs before this one */
    QueueClock(long base, LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.base = base;
        this.openedAt = nanoTime.getAsLong();
    }

    long millis() {
        return base + (nanoTime.getAsLong() - openedAt) / 1_000_000;
    }
}
