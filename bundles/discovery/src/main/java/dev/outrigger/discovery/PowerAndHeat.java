package dev.outrigger.discovery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.device.BoardSensors;
import dev.outrigger.device.BoardSensors.Temperature;
import dev.outrigger.framework.logging.Outage;

/**
 * The board's power and heat, looked at every few seconds: each thermal zone under
 * {@code class/thermal}, the CPU's own sensor where it is a hardware monitor only (AMD's
 * {@code k10temp}: the thin clients many run at home have no thermal zone for their CPU; Intel's
 * {@code coretemp} package sensor), and the under-voltage alarm of a Raspberry Pi's firmware, which its
 * kernel shows as {@code in0_lcrit_alarm} of the {@code rpi_volt} hardware monitor (the older
 * {@code get_throttled} file is deprecated, and reading it puts a warning in the kernel log).
 * Under-voltage comes and goes with the load (a radio transmitting): it ends only once the supply
 * has been normal for a minute, so that the Node's condition and the MQTT status do not flip with
 * every transmission, and each dip is counted. Overheating ends only 5 °C below the limit, so that
 * a zone at the limit does not flip it at every look either.
 */
final class PowerAndHeat {

    private static final String RPI_VOLT = "rpi_volt";
    /** Hardware monitors of CPUs, whose first input is the package (Intel) or control (AMD) temperature. */
    private static final Set<String> CPU_MONITORS = Set.of("coretemp", "k10temp", "zenpower");
    private static final double COOLING_MARGIN = 5;
    private static final long SETTLE_NANOS = TimeUnit.MINUTES.toNanos(1);

    private static final Logger LOG = LoggerFactory.getLogger(PowerAndHeat.class);

    private final Path thermal;
    private final Path hwmon;
    private double overheatCelsius;
    private final LongSupplier nanoTime;
    private final Outage underVoltage = new Outage();
    private long dips;
    /** What the alarm said at the last look. */
    private boolean alarmed;
    /** Under-voltage as said: from a dip until a minute without one. */
    private boolean under;
    private long lastAlarmNanos;
    private boolean overheating;
    private volatile BoardSensors last;

    PowerAndHeat(Path sysfs, double overheatCelsius) {
        this(sysfs, overheatCelsius, System::nanoTime);
    }

    /** With the time source the settling minute is counted on: tests make it pass. */
    PowerAndHeat(Path sysfs, double overheatCelsius, LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.thermal = sysfs.resolve("class/thermal");
        this.hwmon = sysfs.resolve("class/hwmon");
        this.overheatCelsius = overheatCelsius;
        this.last = new BoardSensors(List.of(), Optional.empty(), 0, false, overheatCelsius);
    }

    /** From now on, overheating starts at {@code celsius}; said at the next look if that changes it. */
    synchronized void overheatAt(double celsius) {
        overheatCelsius = celsius;
    }

    /** What the last look saw. */
    BoardSensors last() {
        return last;
    }

    /** Looks again, says what changed in the log, and keeps what it saw. */
    synchronized BoardSensors look() {
        List<Temperature> temperatures = temperatures();
        Optional<Boolean> alarm = underVoltageAlarm();
        boolean alarmNow = alarm.orElse(false);
        long now = nanoTime.getAsLong();
        if (alarmNow) {
            if (!alarmed) {
                dips++;
                underVoltage.failed(n -> LOG.warn("Board: under-voltage: the power supply cannot keep up with the load{}; USB "
                        + "radios and sticks may reset and the SD card may be corrupted: use a supply rated for the board and what "
                        + "it powers", Outage.times(n)));
            }
            under = true;
            lastAlarmNanos = now;
        } else if (under && now - lastAlarmNanos >= SETTLE_NANOS) {
            under = false;
            underVoltage.worked(() -> LOG.info("Board: the supply voltage has been normal for a minute"));
        }
        alarmed = alarmNow;
        Optional<Temperature> hottest = temperatures.stream().max(Comparator.comparingDouble(Temperature::celsius));
        double peak = hottest.map(Temperature::celsius).orElse(Double.NEGATIVE_INFINITY);
        if (!overheating && peak >= overheatCelsius) {
            overheating = true;
            LOG.warn("Board: {} at {}, at or above overheatCelsius ({}): the board is throttled, or soon will be; give it air "
                    + "or a heat sink", hottest.get().type(), celsius(peak), celsius(overheatCelsius));
        } else if (overheating && peak < overheatCelsius - COOLING_MARGIN) {
            overheating = false;
            LOG.info("Board: cooled down, {}", hottest.map(t -> t.type() + " at " + celsius(t.celsius())).orElse("no zone readable"));
        }
        BoardSensors seen = new BoardSensors(temperatures, alarm.map(a -> under), dips, overheating, overheatCelsius);
        last = seen;
        return seen;
    }

    static String celsius(double value) {
        return String.format(Locale.ROOT, "%.1f °C", value);
    }

    /** Each zone that answers; one that cannot be read now (a sensor asleep, EIO) is left out of this look. */
    private List<Temperature> temperatures() {
        List<Temperature> found = new ArrayList<>();
        for (Path zone : entries(thermal, "thermal_zone")) {
            String type = SysfsScanner.attribute(zone.resolve("type"));
            String milli = SysfsScanner.attribute(zone.resolve("temp"));
            try {
                if (type != null && milli != null) {
                    found.add(new Temperature(zone.getFileName().toString(), type, Long.parseLong(milli) / 1000.0));
                }
            } catch (NumberFormatException e) {
                LOG.debug("{}: temperature {} is not a number", zone, milli);
            }
        }
        for (Path monitor : entries(hwmon, "hwmon")) {
            String name = SysfsScanner.attribute(monitor.resolve("name"));
            String milli = SysfsScanner.attribute(monitor.resolve("temp1_input"));
            try {
                if (CPU_MONITORS.contains(name) && milli != null) {
                    found.add(new Temperature(monitor.getFileName().toString(), name, Long.parseLong(milli) / 1000.0));
                }
            } catch (NumberFormatException e) {
                LOG.debug("{}: temperature {} is not a number", monitor, milli);
            }
        }
        return found;
    }

    /** The Raspberry Pi firmware's alarm, where the kernel shows it. */
    private Optional<Boolean> underVoltageAlarm() {
        for (Path monitor : entries(hwmon, "hwmon")) {
            if (RPI_VOLT.equals(SysfsScanner.attribute(monitor.resolve("name")))) {
                String alarm = SysfsScanner.attribute(monitor.resolve("in0_lcrit_alarm"));
                if (alarm != null) {
                    return Optional.of(alarm.equals("1"));
                }
            }
        }
        return Optional.empty();
    }

    /** The entries of a class folder whose names start with {@code prefix}, by number: zone 2 before zone 10. */
    private static List<Path> entries(Path folder, String prefix) {
        try (Stream<Path> listed = Files.list(folder)) {
            return listed.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString().length()).thenComparing(Path::getFileName))
                    .toList();
        } catch (IOException | UncheckedIOException e) {
            return List.of();
        }
    }
}
