package dev.outrigger.gps;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.framework.json.Json;
import dev.outrigger.framework.logging.Printable;
import dev.outrigger.framework.net.HostPort;
import dev.outrigger.framework.net.NetworkFailures;
import dev.outrigger.framework.threads.Daemons;
import dev.outrigger.framework.threads.StopSignal;
import dev.outrigger.outbox.Outbox;

/**
 * The receivers a gpsd serves, read from its JSON reports ({@code ?WATCH}): for a receiver gpsd
 * owns — for chrony's time, say — which the gateway then shares rather than fights gpsd over its
 * port. Each device gpsd has is a {@link GpsdReceiver}, found as soon as gpsd lists it (before its
 * first fix: its port is gpsd's from then on) and gone when gpsd says it is (unplugged). A
 * connection refused or lost is said once and tried again with backoff; a line that is no JSON is
 * counted and skipped.
 */
final class Gpsd implements AutoCloseable {

    static final int PORT = 2947;

    /** Told of receivers as gpsd reports them, on the connection's thread. */
    interface Receivers {
        void found(GpsdReceiver receiver);

        void gone(GpsdReceiver receiver);

        /** gpsd said which devices it has (after its receivers were found): at every connection. */
        void listed();
    }

    private static final Logger LOG = LoggerFactory.getLogger(Gpsd.class);
    private static final byte[] WATCH = "?WATCH={\"enable\":true,\"json\":true};\n".getBytes(StandardCharsets.US_ASCII);
    private static final int CONNECT_MILLIS = 5_000;
    /** A read returns after this long without data, so that a close is noticed. */
    private static final int POLL_MILLIS = 500;
    /** gpsd greets at once: something else listens where nothing did within this. */
    private static final long GREETING_MILLIS = 5_000;
    /** gpsd's longest reports (SKY with every satellite of four systems) are a few kilobytes. */
    private static final int MAX_LINE = 64 * 1024;
    private static final long MIN_BACKOFF_MILLIS = 1_000;
    private static final long MAX_BACKOFF_MILLIS = 30_000;

    private final HostPort address;
    private final long publishMillis;
    private final Outbox outbox;
    private final Receivers receivers;
    private final LongSupplier wallClock;
    private final LongSupplier runningClock;
    private final Map<String, GpsdReceiver> devices = new ConcurrentSkipListMap<>();
    private final StopSignal stop = new StopSignal();
    /** The line being read, and whether gpsd greeted: the connection's, on its thread. */
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
    private boolean greeted;
    private Thread thread;
    private volatile Socket socket;
    private volatile String state = "opening";
    private volatile String version;
    private volatile Optional<String> lastError = Optional.empty();
    /** Why it cannot read gpsd, after a failed attempt; null while connected. */
    private volatile String problem;
    private volatile long rejected;

    Gpsd(HostPort address, long publishMillis, Outbox outbox, Receivers receivers, LongSupplier wallClock,
            LongSupplier runningClock) {
        this.address = address;
        this.publishMillis = publishMillis;
        this.outbox = outbox;
        this.receivers = receivers;
        this.wallClock = wallClock;
        this.runningClock = runningClock;
    }

    /**
     * Where a gpsd is, as configured: {@code host[:port]}, port 2947 when left out.
     *
     * @throws IllegalArgumentException saying so, when it is not
     */
    static HostPort address(String text) {
        try {
            return HostPort.parse(text, PORT);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(text + " is not host[:port] of a gpsd (e.g. localhost or 192.168.1.5:2947)", e);
        }
    }

    /** Starts reading gpsd, on a thread of its own until {@link #close}. */
    Gpsd start() {
        thread = Daemons.start("outrigger-gpsd " + address, this::run);
        return this;
    }

    HostPort address() {
        return address;
    }

    /**
     * Whether the receiver is the device at that path of this host, as a gpsd on this host names its
     * devices: by the path it was given, a link (by-id) or the node itself.
     */
    boolean reads(GpsdReceiver receiver, String path) {
        if (!local()) {
            return false; // another host's /dev
        }
        try {
            return receiver.gpsdDevice().equals(path) || Files.isSameFile(Path.of(receiver.gpsdDevice()), Path.of(path));
        } catch (IOException | InvalidPathException notHere) {
            return false;
        }
    }

    /** Whether it is a gpsd on this host, whose devices are this host's. */
    boolean local() {
        String host = address.host();
        return host.equalsIgnoreCase("localhost") || host.startsWith("127.") || host.equals("[::1]");
    }

    /** {@code opening}, {@code reading} (connected) or {@code backoff}. */
    String state() {
        return state;
    }

    long runningClock() {
        return runningClock.getAsLong();
    }

    /** Why the gateway does not read gpsd as configured. */
    Optional<String> problem() {
        return Optional.ofNullable(problem).map(why -> "GPS from gpsd at " + address + ": " + why);
    }

    /** For {@code gps:status}: how it stands with gpsd. */
    String summary() {
        return "gpsd " + address + ": " + (state.equals("reading") ? "connected to gpsd " + version : state) + ", "
                + devices.size() + " receiver(s), " + rejected + " line(s) rejected"
                + lastError.map(e -> "; last error: " + e).orElse("");
    }

    @Override
    public void close() throws InterruptedException {
        stop.stop();
        Socket s = socket;
        if (s != null) {
            try {
                s.close(); // ends a read in progress
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        if (thread != null) {
            thread.join(5_000);
        }
    }

    private void run() {
        long backoff = MIN_BACKOFF_MILLIS;
        while (!stop.stopped()) {
            state = "opening";
            try (Socket s = new Socket()) {
                socket = s;
                if (connect(s)) {
                    backoff = MIN_BACKOFF_MILLIS;
                }
            } catch (IOException e) {
                if (!stop.stopped()) {
                    // the network's failures in words; the stream's own (no gpsd there) as they are
                    failed(NetworkFailures.inWords(e).map(w -> "connection lost: " + w).orElse(String.valueOf(e.getMessage())));
                }
            } finally {
                socket = null;
            }
            if (!stop.stopped()) {
                state = "backoff";
                stop.pause(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
            }
        }
        state = "closed";
    }

    /** Connects, and reads reports until the connection ends; whether gpsd greeted. */
    private boolean connect(Socket s) throws IOException {
        try {
            s.connect(new InetSocketAddress(address.host(), address.port()), CONNECT_MILLIS);
            s.setSoTimeout(POLL_MILLIS);
            s.getOutputStream().write(WATCH);
        } catch (IOException e) {
            failed("cannot connect: " + NetworkFailures.inWords(e).orElse(String.valueOf(e.getMessage()))
                    + (local() ? " (is gpsd running? "
                            + "systemctl enable --now gpsd.socket)" : ""));
            return false;
        }
        boolean greeted = read(s.getInputStream());
        if (!stop.stopped()) {
            failed("gpsd closed the connection (stopped, or restarting?)");
        }
        return greeted;
    }

    /** Reads reports until the connection ends; whether gpsd greeted. */
    private boolean read(InputStream in) throws IOException {
        line.reset();
        greeted = false;
        long greetingBy = System.nanoTime() + GREETING_MILLIS * 1_000_000;
        byte[] buffer = new byte[4096];
        while (!stop.stopped()) {
            int n;
            try {
                n = in.read(buffer);
            } catch (SocketTimeoutException quiet) {
                if (!greeted && System.nanoTime() - greetingBy > 0) {
                    throw new IOException("no gpsd answered within " + GREETING_MILLIS / 1000 + " s (is that gpsd's port?)");
                }
                continue;
            }
            if (n < 0) {
                break;
            }
            accept(buffer, n);
        }
        return greeted;
    }

    /**
     * Bytes from gpsd: each line a report, handled as it ends.
     *
     * @throws IOException when they are not gpsd's (no VERSION first, a line beyond any report's length)
     */
    void accept(byte[] buffer, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            if (buffer[i] != '\n') {
                line.write(buffer[i]);
                if (line.size() > MAX_LINE) {
                    throw new IOException("a line over " + MAX_LINE + " bytes: that is not gpsd");
                }
                continue;
            }
            Optional<Map<String, Object>> report = report(line.toByteArray(), greeted);
            line.reset();
            if (report.isPresent()) {
                greeted = true;
                handle(report.get());
            }
        }
    }

    /** The report the line holds; none for a line to skip. */
    private Optional<Map<String, Object>> report(byte[] line, boolean greeted) throws IOException {
        if (line.length == 0 || line.length == 1 && line[0] == '\r') {
            return Optional.empty();
        }
        try {
            Map<String, Object> report = Json.object(line);
            if (!greeted && !"VERSION".equals(report.get("class"))) {
                throw new IllegalArgumentException("no VERSION first");
            }
            return Optional.of(report);
        } catch (IllegalArgumentException e) {
            if (!greeted) {
                String start = new String(line, 0, Math.min(line.length, 40), StandardCharsets.UTF_8).strip();
                throw new IOException("the answer is not gpsd's (\"" + Printable.line(start) + "\"): is that gpsd's port?");
            }
            if (rejected++ == 0) {
                LOG.warn("GPS from gpsd at {}: skipped a line that is no JSON object ({}); more are only counted", address,
                        e.getMessage());
            }
            return Optional.empty();
        }
    }

    private void handle(Map<String, Object> report) {
        long now = wallClock.getAsLong();
        long runningNow = runningClock.getAsLong();
        String device = report.get("device") instanceof String d ? d : "";
        switch (String.valueOf(report.get("class"))) {
            case "VERSION" -> connected(String.valueOf(report.get("release")));
            case "DEVICES" -> {
                Set<String> present = new HashSet<>();
                if (report.get("devices") instanceof List<?> list) {
                    list.forEach(d -> {
                        if (d instanceof Map<?, ?> m && m.get("path") instanceof String path) {
                            present.add(path);
                        }
                    });
                }
                Set.copyOf(devices.keySet()).stream().filter(path -> !present.contains(path)).forEach(this::gone);
                present.forEach(path -> receiver(path, runningNow));
                receivers.listed();
            }
            case "DEVICE" -> {
                if (report.get("path") instanceof String path) {
                    // closed: "activated" 0 (gpsd 3.22), or absent with "deactivated" (later ones)
                    if (report.get("activated") instanceof Number || report.containsKey("deactivated")) {
                        gone(path);
                    } else {
                        receiver(path, runningNow);
                    }
                }
            }
            case "TPV" -> receiver(device, runningNow).position(report, now, runningNow);
            case "SKY" -> receiver(device, runningNow).sky(report, now, runningNow);
            case "ERROR" -> LOG.warn("GPS from gpsd at {}: gpsd says: {}", address, report.get("message"));
            default -> {
                // WATCH's echo, and what else gpsd reports (PPS, TOFF, ATT...): not part of a fix
            }
        }
    }

    private void connected(String release) {
        version = release;
        state = "reading";
        problem = null;
        lastError = Optional.empty();
        LOG.info("GPS: reading the receivers of gpsd {} at {}", release, address);
    }

    private GpsdReceiver receiver(String device, long runningNow) {
        GpsdReceiver r = devices.get(device);
        if (r == null) {
            r = new GpsdReceiver(device, this, publishMillis, outbox, runningNow);
            devices.put(device, r);
            receivers.found(r);
        }
        return r;
    }

    private void gone(String device) {
        GpsdReceiver r = devices.remove(device);
        if (r != null) {
            receivers.gone(r);
        }
    }

    /** One log line per distinct problem, not one per retry. */
    private void failed(String why) {
        if (!lastError.equals(Optional.of(why))) {
            LOG.warn("GPS from gpsd at {}: {}; retrying", address, why);
        }
        lastError = Optional.of(why);
        problem = why;
    }
}
