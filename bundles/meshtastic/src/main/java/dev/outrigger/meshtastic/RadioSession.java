package dev.outrigger.meshtastic;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.outrigger.framework.logging.Printable;
import dev.outrigger.framework.net.NetworkFailures;
import dev.outrigger.meshtastic.proto.FromRadio;
import dev.outrigger.meshtastic.proto.Heartbeat;
import dev.outrigger.meshtastic.proto.ToRadio;
import dev.outrigger.meshtastic.protocol.FrameDecoder;
import dev.outrigger.meshtastic.protocol.Frames;

/**
 * Keeps a client API session with one radio, on its own thread: connect, wake the radio, ask for
 * its configuration with a fresh nonce and wait (with a deadline) for the matching
 * config_complete_id, then read packets and send a heartbeat well inside the radio's 15-minute
 * timeout. End of stream, an error, a reboot, log text on a live session (the radio left API
 * mode) or a handshake timeout end the session; the next starts after a backoff with jitter.
 */
final class RadioSession implements Runnable {

    enum State { CONNECTING, CONFIGURING, LIVE, BACKOFF, STOPPED }

    /** An open connection to a radio. */
    interface Link extends AutoCloseable {

        InputStream in();

        OutputStream out();

        @Override
        void close();
    }

    interface Connector {
        Link open() throws IOException;
    }

    /** The other end closed the connection as it was made: said as a hang-up during the handshake. */
    static final class HungUp extends IOException {
        private static final long serialVersionUID = 1L;

        HungUp(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** What the session receives, on its thread. */
    interface Events {

        /** A new handshake starts: forget what the last session said about the radio. */
        void configuring();

        void fromRadio(FromRadio message);

        void stateChanged(State state, String detail);
    }

    record Timing(long handshakeMillis, long heartbeatMillis, long reconnectMinMillis, long reconnectMaxMillis) {
    }

    /** Reserved nonces: 69420 and 69421 ask the firmware for special handshakes. */
    private static final int SPECIAL_NONCE_1 = 69420;
    private static final int SPECIAL_NONCE_2 = 69421;
    /** The radio needs a moment after the wake-up bytes before it reads a frame. */
    private static final long WAKE_PAUSE_MILLIS = 100;

    private static final Logger LOG = LoggerFactory.getLogger(RadioSession.class);

    private final String address;
    private final Connector connector;
    private final Timing timing;
    private final Events events;
    private final boolean textEndsSession;
    private final SecureRandom random = new SecureRandom();
    private volatile boolean running = true;
    private volatile State state = State.CONNECTING;
    private volatile Link link;
    private volatile long lastSent;
    /** Counted on the session's thread, read by /metrics. */
    private volatile long sessions;
    private volatile long malformed;
    private volatile String lastFailure = "";
    /** Why the serial device, there, could not be opened at the last try; null once it was, or is gone. */
    private volatile String cannotOpen;

    /** @param textEndsSession true on serial, where log text on a live session means API mode ended */
    RadioSession(String address, Connector connector, Timing timing, Events events, boolean textEndsSession) {
        this.address = address;
        this.connector = connector;
        this.timing = timing;
        this.events = events;
        this.textEndsSession = textEndsSession;
    }

    State state() {
        return state;
    }

    /** Why its serial device, plugged in, cannot be opened, while that lasts (tried again with the backoff). */
    Optional<String> cannotOpen() {
        return Optional.ofNullable(cannotOpen);
    }

    /** Why the last session ended or could not start, until one goes live again. */
    Optional<String> failing() {
        return lastFailure.isEmpty() ? Optional.empty() : Optional.of(lastFailure);
    }

    /** Handshakes completed: each one a session that went live. */
    long sessions() {
        return sessions;
    }

    /** Frames skipped: broken framing, or a payload that is no FromRadio. */
    long malformed() {
        return malformed;
    }

    void stop() {
        running = false;
        Link l = link;
        if (l != null) {
            l.close();
        }
    }

    /** Sends a message on the live session. */
    void send(ToRadio message) throws IOException {
        Link l = link;
        if (l == null || state != State.LIVE) {
            throw new IllegalStateException("radio " + address + " is not connected (" + state.name().toLowerCase(Locale.ROOT) + ")");
        }
        write(l, Frames.encode(message));
    }

    @Override
    public void run() {
        int failures = 0;
        while (running) {
            setState(State.CONNECTING, "");
            String ended;
            long sessionsBefore = sessions;
            try (Link l = connector.open()) {
                cannotOpen = null;
                link = l;
                ended = session(l);
                // only a session that went live starts the backoff afresh: a radio that hangs up
                // during every handshake is tried less and less often, as one that cannot be reached
                failures = sessions > sessionsBefore ? 0 : failures + 1;
            } catch (HungUp e) {
                ended = closedDuringHandshake();
                failures++;
            } catch (IOException | RuntimeException e) {
                ended = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                failures++;
                // a serial device that is there and cannot be opened (its permissions, another program
                // holding it) is this node's to fix, not the radio's nor the network's
                cannotOpen = textEndsSession && e instanceof IOException && link == null && Files.exists(Path.of(address))
                        ? ended : null;
            } finally {
                link = null;
            }
            if (!running) {
                break;
            }
            if (!ended.equals(lastFailure)) {
                LOG.warn("Meshtastic {}: {}; reconnecting", address, ended);
                lastFailure = ended;
            }
            long backoff = Math.min(timing.reconnectMaxMillis(), timing.reconnectMinMillis() << Math.min(failures, 16));
            setState(State.BACKOFF, ended);
            try {
                Thread.sleep(backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        setState(State.STOPPED, "");
    }

    /** One session; returns why it ended. */
    private String session(Link l) {
        try {
            return exchange(l);
        } catch (Links.Unresponsive e) {
            return (state == State.LIVE ? "connection lost: " : "") + e.getMessage();
        } catch (IOException e) {
            // the message (broken pipe, reset, ...) depends on when the other end went, not why
            return state == State.LIVE ? "connection lost: " + NetworkFailures.inWords(e).orElse(e.getMessage())
                    : closedDuringHandshake();
        }
    }

    /**
     * A radio's TCP API serves one client at a time, so another program connected to it (the
     * Meshtastic app over Wi-Fi, a second gateway) has this connection closed at once.
     */
    private String closedDuringHandshake() {
        return textEndsSession ? "connection closed during the handshake (is that a Meshtastic radio's API?)"
                : "the radio closed the connection during the handshake: it serves one API client at a time, so is another"
                        + " program connected to it (the Meshtastic app over Wi-Fi, a second gateway)? Or is that no Meshtastic API port?";
    }

    private String exchange(Link l) throws IOException {
        write(l, Frames.WAKE);
        try {
            Thread.sleep(WAKE_PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "stopped";
        }
        int nonce = nonce();
        events.configuring();
        setState(State.CONFIGURING, "");
        write(l, Frames.encode(ToRadio.newBuilder().setWantConfigId(nonce).build()));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timing.handshakeMillis());
        String[] ended = new String[1];
        Heard heard = new Heard();
        FrameDecoder decoder = new FrameDecoder(new FrameDecoder.Listener() {
            @Override
            public void frame(byte[] payload) {
                heard.frames++;
                FromRadio message;
                try {
                    message = FromRadio.parseFrom(payload);
                } catch (InvalidProtocolBufferException e) {
                    malformed++;
                    LOG.debug("Meshtastic {}: undecodable frame skipped: {}", address, e.getMessage());
                    return;
                }
                if (message.hasRebooted()) {
                    ended[0] = "radio rebooted";
                    return;
                }
                if (message.hasConfigCompleteId() && message.getConfigCompleteId() == nonce && state == State.CONFIGURING) {
                    setState(State.LIVE, "");
                    sessions++;
                    lastFailure = "";
                    LOG.info("Meshtastic {}: session live", address);
                }
                events.fromRadio(message);
            }

            @Override
            public void text(String line) {
                heard.text(line);
                if (textEndsSession && state == State.LIVE) {
                    ended[0] = "radio left API mode (log text on the line)";
                } else {
                    LOG.debug("Meshtastic {} log: {}", address, Printable.line(line));
                }
            }

            @Override
            public void malformed(String why) {
                malformed++;
                LOG.debug("Meshtastic {}: {}", address, why);
            }
        });
        byte[] buffer = new byte[1024];
        InputStream in = l.in();
        while (running && ended[0] == null) {
            int n;
            try {
                n = in.read(buffer);
            } catch (InterruptedIOException timeout) {
                n = 0;
            }
            if (n < 0) {
                return state == State.LIVE ? "connection closed by the radio" : closedDuringHandshake();
            }
            decoder.feed(buffer, 0, n);
            long now = System.nanoTime();
            if (state == State.CONFIGURING && now > deadline) {
                return "no configuration within " + timing.handshakeMillis() + " ms of asking" + heard.clue();
            }
            if (state == State.LIVE && now - lastSent > TimeUnit.MILLISECONDS.toNanos(timing.heartbeatMillis())) {
                write(l, Frames.encode(ToRadio.newBuilder().setHeartbeat(Heartbeat.getDefaultInstance()).build()));
            }
        }
        return ended[0] == null ? "stopped" : ended[0];
    }

    /**
     * What came back while the handshake went unanswered, as a clue to what is at the other end.
     * In the same words each time (not the text itself), so that a retry says it once.
     */
    private static final class Heard {
        private static final Pattern NMEA = Pattern.compile("\\$[A-Z]{5},.*\\*[0-9A-F]{2}");
        int frames;
        int lines;
        int nmea;

        void text(String line) {
            lines++;
            if (NMEA.matcher(line.trim()).matches()) {
                nmea++;
            }
        }

        String clue() {
            if (frames > 0) {
                return ": it sent " + frames + " message(s), but not the end of its configuration (a radio still booting?)";
            }
            if (nmea > 0 && nmea * 2 >= lines) {
                return ": it sent NMEA sentences only (a GPS receiver, or the radio's serial module in NMEA mode on this port)";
            }
            if (lines > 0) {
                return ": it sent text only, no frame (a serial console in text mode, or another kind of device at this port)";
            }
            return ", and nothing came back (is it a Meshtastic radio's port?)";
        }
    }

    private int nonce() {
        int nonce;
        do {
            nonce = 2 + random.nextInt(Integer.MAX_VALUE - 2);
        } while (nonce == SPECIAL_NONCE_1 || nonce == SPECIAL_NONCE_2);
        return nonce;
    }

    private void write(Link l, byte[] bytes) throws IOException {
        synchronized (l) {
            OutputStream out = l.out();
            out.write(bytes);
            out.flush();
        }
        lastSent = System.nanoTime();
    }

    private void setState(State next, String detail) {
        if (state != next) {
            state = next;
            events.stateChanged(next, detail);
        }
    }
}
