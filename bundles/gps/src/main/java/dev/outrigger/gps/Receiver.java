package dev.outrigger.gps;

import java.time.Instant;
import java.util.Optional;

import dev.outrigger.position.PositionSource;

/** A GPS receiver as {@code gps:status} and the runtime's health see it, whether read from its port or from gpsd. */
interface Receiver extends PositionSource, AutoCloseable {

    /** Receivers talk every second: one quiet for this long is not telling where it is ({@code silent}). */
    long SILENT_MILLIS = 5_000;

    /**
     * What {@code gps:status} shows.
     *
     * @param sentences what was read: NMEA sentences from a port, reports from gpsd
     * @param rejected  what was skipped as malformed
     */
    record Status(String state, long sentences, long rejected, long published, Optional<Instant> lastSentence, Fix fix,
            Optional<String> lastError) {
    }

    /** Where it is read: its serial device, or its device at gpsd. */
    String path();

    Status status();

    /** Stops reading it. */
    @Override
    void close() throws InterruptedException;
}
