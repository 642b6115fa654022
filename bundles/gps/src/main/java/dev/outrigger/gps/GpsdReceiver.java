package dev.outrigger.gps;

import java.time.DateTimeException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

import dev.outrigger.outbox.Outbox;

/**
 * One receiver that gpsd serves: its fix from gpsd's TPV reports, with the satellites used and the
 * HDOP of its SKY reports. Read by its {@link Gpsd} connection, which calls it on one thread.
 */
final class GpsdReceiver implements Receiver {

    private final String id;
    private final String device;
    private final Gpsd gpsd;
    private final FixReports reports;
    private volatile Fix fix = Fix.NONE;
    private volatile long heardAt;
    private volatile long read;
    private volatile Optional<Instant> lastReport = Optional.empty();
    private OptionalInt satellites = OptionalInt.empty();
    private OptionalDouble hdop = OptionalDouble.empty();

    /** @param device the device as gpsd names it: {@code /dev/ttyACM0}, or a network source's URL */
    GpsdReceiver(String device, Gpsd gpsd, long publishMillis, Outbox outbox, long now) {
        this.id = id(device);
        this.device = device;
        this.gpsd = gpsd;
        this.reports = new FixReports(id, device, publishMillis, outbox);
        this.heardAt = now;
    }

    /** {@code gpsd-ttyACM0}: a device id is a file name, and says where it is read. */
    static String id(String device) {
        String last = device.substring(device.lastIndexOf('/') + 1); // a path's file name, a URL's host and port
        return "gpsd-" + (last.isEmpty() ? device : last).replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** A TPV report: the fix, as gpsd has it. */
    void position(Map<String, Object> tpv, long now, long running) {
        heard(now, running);
        int mode = number(tpv, "mode").stream().mapToInt(d -> (int) d).filter(m -> m == 2 || m == 3).findFirst().orElse(1);
        Optional<Instant> time = tpv.get("time") instanceof String t ? instant(t) : Optional.empty();
        OptionalDouble lat = number(tpv, "lat");
        OptionalDouble lon = number(tpv, "lon");
        if (mode == 1 || lat.isEmpty() || lon.isEmpty()) {
            fix = new Fix(1, time, OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(),
                    OptionalDouble.empty(), satellites, OptionalDouble.empty());
        } else {
            // altMSL since gpsd 3.20, alt before
            OptionalDouble alt = mode < 3 ? OptionalDouble.empty() : number(tpv, "altMSL").isPresent() ? number(tpv, "altMSL")
                    : number(tpv, "alt");
            fix = new Fix(mode, time, lat, lon, alt, number(tpv, "speed"), number(tpv, "track"), satellites, hdop);
        }
        reports.offer(fix, now, running);
    }

    /** A SKY report: the satellites used and the HDOP, for the fixes that follow. */
    void sky(Map<String, Object> sky, long now, long running) {
        heard(now, running);
        OptionalDouble used = number(sky, "uSat");
        if (used.isPresent()) {
            satellites = OptionalInt.of((int) used.getAsDouble());
        } else if (sky.get("satellites") instanceof List<?> list) { // before gpsd 3.23's uSat
            satellites = OptionalInt.of((int) list.stream().filter(s -> s instanceof Map<?, ?> m && Boolean.TRUE.equals(m.get("used")))
                    .count());
        }
        OptionalDouble h = number(sky, "hdop");
        if (h.isPresent()) {
            hdop = h;
        }
    }

    private void heard(long now, long running) {
        read++;
        heardAt = running;
        lastReport = Optional.of(Instant.ofEpochMilli(now));
    }

    @Override
    public String device() {
        return id;
    }

    /** The device as gpsd names it. */
    String gpsdDevice() {
        return device;
    }

    @Override
    public String path() {
        return device + " at gpsd " + gpsd.address();
    }

    @Override
    public String topic() {
        return FixRecords.topic(id);
    }

    @Override
    public String state() {
        String s = gpsd.state();
        return s.equals("reading") && gpsd.runningClock() - heardAt > SILENT_MILLIS ? "silent" : s;
    }

    @Override
    public int mode() {
        return state().equals("reading") ? fix.mode() : 1;
    }

    @Override
    public Status status() {
        return new Status(state(), read, 0, reports.published(), lastReport, fix, reports.failure()); // gpsd's own: its summary
    }

    @Override
    public void close() {
        // nothing of its own: its gpsd connection reads it
    }

    private static OptionalDouble number(Map<String, Object> report, String field) {
        return report.get(field) instanceof Number n && Double.isFinite(n.doubleValue()) ? OptionalDouble.of(n.doubleValue())
                : OptionalDouble.empty();
    }

    private static Optional<Instant> instant(String text) {
        try {
            return Optional.of(Instant.parse(text));
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }
}
