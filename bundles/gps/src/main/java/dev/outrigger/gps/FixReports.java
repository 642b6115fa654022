package dev.outrigger.gps;

import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.outbox.Outbox;
import dev.outrigger.outbox.OutboxException;

/**
 * When a receiver's fix goes to the outbox: at once whenever it is gained, lost or changes between
 * 2D and 3D, and every {@code publishMillis} while there is a position. A fix that cannot be stored
 * is logged once for each reason, and again once fixes are stored. Not thread-safe: the receiver's
 * reader calls it.
 */
final class FixReports {

    private static final Logger LOG = LoggerFactory.getLogger(FixReports.class);

    private final String deviceId;
    private final String path;
    private final long publishMillis;
    private final Outbox outbox;
    private long publishedAt = Long.MIN_VALUE;
    private int publishedMode = 1;
    private volatile long published;
    private volatile Optional<String> failure = Optional.empty();

    /** @param path the device as the records name it */
    FixReports(String deviceId, String path, long publishMillis, Outbox outbox) {
        this.deviceId = deviceId;
        this.path = path;
        this.publishMillis = publishMillis;
        this.outbox = outbox;
    }

    /**
     * Records the fix if it is due.
     *
     * @param now     the wall clock, for the record
     * @param running the running time, for the interval (the wall clock jumps when it is set)
     */
    void offer(Fix fix, long now, long running) {
        if (fix.mode() == publishedMode && !(fix.hasPosition() && running - publishedAt >= publishMillis)) {
            return;
        }
        publishedAt = running;
        publishedMode = fix.mode();
        try {
            outbox.append(FixRecords.record(deviceId, path, fix, now));
            published++;
            if (failure.isPresent()) {
                LOG.info("GPS {}: fixes stored again", deviceId);
                failure = Optional.empty();
            }
        } catch (OutboxException e) {
            String why = "cannot store a fix: " + e.getMessage();
            if (!failure.equals(Optional.of(why))) {
                LOG.warn("GPS {}: {}; retrying", deviceId, why);
            }
            failure = Optional.of(why);
        }
    }

    long published() {
        return published;
    }

    /** Why the last fix due could not be stored; empty once one was. */
    Optional<String> failure() {
        return failure;
    }
}
