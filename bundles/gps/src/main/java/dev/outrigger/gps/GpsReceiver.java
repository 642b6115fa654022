package dev.outrigger.gps;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fazecast.jSerialComm.SerialPort;

import dev.outrigger.framework.serial.SerialPorts;
import dev.outrigger.framework.threads.Daemons;
import dev.outrigger.framework.threads.StopSignal;
import dev.outrigger.outbox.Outbox;

/**
 * One GPS receiver on a serial port: reads its NMEA sentences on a thread of its own, keeps the
 * current {@link Fix}, and appends it to the outbox every {@code publishMillis} while there is a
 * position, and at once whenever the fix is gained, lost or changes between 2D and 3D. A port that
 * cannot be opened, or stops answering, is retried with backoff; garbage between sentences and
 * sentences with a wrong checksum are counted and skipped.
 */
final class GpsReceiver implements Receiver {

    /** How to reach the receiver and how often to report. */
    record Options(String deviceId, String path, int baud, long publishMillis) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(GpsReceiver.class);
    /** A read returns after this long without data, so that a close is noticed. */
    private static final int POLL_MILLIS = 500;
    private static final long MIN_BACKOFF_MILLIS = 1_000;
    private static final long MAX_BACKOFF_MILLIS = 30_000;

    private final Options options;
    /** Milliseconds of the wall clock, for the records; of the running time, for intervals (the wall clock jumps when it is set). */
    private final LongSupplier wallClock;
    private final LongSupplier runningClock;
    private final Thread thread;
    private final FixTracker tracker = new FixTracker();
    private final FixReports reports;
    private final StringBuilder line = new StringBuilder(Nmea.MAX_LENGTH);

    private final StopSignal stop = new StopSignal();
    private volatile SerialPort port;
    private volatile String state = "opening";
    private volatile Fix fix = Fix.NONE;
    private volatile Optional<String> lastError = Optional.empty();
    /** Why its port, there, could not be opened at the last try; null once it was, or is gone. */
    private volatile String cannotOpen;
    private volatile Optional<Instant> lastSentence = Optional.empty();
    /** When the port was opened or last gave a sentence, on the running time. */
    private volatile long heardAt;
    private volatile long sentences;
    private volatile long rejected;

    GpsReceiver(Options options, Outbox outbox, LongSupplier wallClock, LongSupplier runningClock) {
        this.options = options;
        this.wallClock = wallClock;
        this.runningClock = runningClock;
        this.reports = new FixReports(options.deviceId(), options.path(), options.publishMillis(), outbox);
        this.thread = Daemons.start("outrigger-gps " + options.deviceId(), this::run);
    }

    @Override
    public String path() {
        return options.path();
    }

    @Override
    public Status status() {
        return new Status(state(), sentences, rejected, reports.published(), lastSentence, fix, lastError.or(reports::failure));
    }

    /** Why it does not work as configured: its port, plugged in, cannot be opened. */
    Optional<String> problem() {
        return Optional.ofNullable(cannotOpen).map(why -> "GPS " + options.deviceId() + ": " + why);
    }

    @Override
    public String device() {
        return options.deviceId();
    }

    @Override
    public String topic() {
        return FixRecords.topic(options.deviceId());
    }

    @Override
    public String state() {
        String s = state;
        return s.equals("reading") && runningClock.getAsLong() - heardAt > SILENT_MILLIS ? "silent" : s;
    }

    @Override
    public int mode() {
        return state().equals("reading") ? fix.mode() : 1;
    }

    @Override
    public void close() throws InterruptedException {
        stop.stop();
        SerialPort p = port;
        if (p != null) {
            p.closePort(); // ends a read in progress
        }
        thread.join(5_000);
    }

    private void run() {
        try {
            receive();
        } catch (Throwable e) { // jSerialComm's native code may throw anything
            state = "failed";
            lastError = Optional.of(e.toString());
            LOG.error("GPS {}: reading {} failed: {}", options.deviceId(), options.path(), e.toString(), e);
        }
    }

    private void receive() {
        long backoff = MIN_BACKOFF_MILLIS;
        while (!stop.stopped()) {
            state = "opening";
            try {
                port = open();
                cannotOpen = null;
            } catch (IOException e) {
                // plugged in and not to be opened (its permissions, another program holding it): the node's to fix
                cannotOpen = Files.exists(Path.of(options.path())) ? e.getMessage() : null;
                failed(e.getMessage());
                state = "backoff";
                stop.pause(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
                continue;
            }
            backoff = MIN_BACKOFF_MILLIS;
            if (lastError.isPresent()) {
                LOG.info("GPS {}: reading {} again", options.deviceId(), options.path());
                lastError = Optional.empty();
            }
            heardAt = runningClock.getAsLong();
            state = "reading";
            try {
                read(port);
            } finally {
                port.closePort();
                port = null;
            }
            if (!stop.stopped()) {
                failed(options.path() + " stopped answering (unplugged?)");
                state = "backoff";
                stop.pause(MIN_BACKOFF_MILLIS);
            }
        }
        state = "closed";
    }

    private SerialPort open() throws IOException {
        SerialPort p = SerialPorts.at(options.path());
        p.setComPortParameters(options.baud(), 8, SerialPort.ONE_STOP_BIT, SerialPort.NO_PARITY);
        p.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING, POLL_MILLIS, 0);
        SerialPorts.open(p, options.path());
        return p;
    }

    /** Until the port fails or is closed: a read returns 0 after the poll interval, -1 when the device is gone. */
    private void read(SerialPort p) {
        byte[] buffer = new byte[512];
        while (!stop.stopped()) {
            int n = p.readBytes(buffer, buffer.length);
            if (n < 0) {
                return;
            }
            for (int i = 0; i < n; i++) {
                accept((char) (buffer[i] & 0xff));
            }
        }
    }

    /** A sentence starts at '$' (whatever came before is dropped) and ends at CR or LF. */
    private void accept(char c) {
        if (c == '$') {
            if (!line.isEmpty()) {
                rejected++;
            }
            line.setLength(0);
            line.append(c);
        } else if (c == '\r' || c == '\n') {
            if (!line.isEmpty()) {
                sentence(line.toString());
                line.setLength(0);
            }
        } else if (!line.isEmpty()) {
            if (line.length() < Nmea.MAX_LENGTH) {
                line.append(c);
            } else {
                rejected++;
                line.setLength(0);
            }
        }
    }

    private void sentence(String text) {
        Optional<Nmea.Sentence> s = Nmea.parse(text);
        if (s.isEmpty()) {
            rejected++;
            return;
        }
        sentences++;
        long now = wallClock.getAsLong();
        long running = runningClock.getAsLong();
        heardAt = running;
        lastSentence = Optional.of(Instant.ofEpochMilli(now));
        if (!tracker.apply(s.get())) {
            return;
        }
        Fix current = tracker.fix();
        fix = current;
        reports.offer(current, now, running);
    }

    /** One log line per distinct problem, not one per retry. */
    private void failed(String why) {
        if (!lastError.equals(Optional.of(why))) {
            LOG.warn("GPS {}: {}; retrying", options.deviceId(), why);
        }
        lastError = Optional.of(why);
    }
}
