package dev.outrigger.gps;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.device.SerialDevice;
import dev.outrigger.framework.table.Table;
import dev.outrigger.framework.threads.Daemons;
import dev.outrigger.health.ProblemSource;
import dev.outrigger.outbox.Outbox;
import dev.outrigger.position.PositionSource;

/**
 * A {@link GpsReceiver} for every device that discovery gives role {@code gps} (the u-blox
 * profiles, or one of your own), and a {@link GpsdReceiver} for every device the configured gpsd
 * serves: while there, its fixes flow to the outbox and it is a {@link PositionSource} service, for
 * health reports. A port that cannot be opened, or a gpsd that cannot be read, is a problem of the
 * runtime's health. {@code gps:status} shows each receiver and its fix.
 */
// immediate: receivers are read whether or not anyone asks gps:status
@Component(service = { GpsReceivers.class, ProblemSource.class }, immediate = true, configurationPid = GpsReceivers.PID,
        property = { "osgi.command.scope=gps", "osgi.command.function=status" })
@Designate(ocd = GpsReceivers.Config.class)
public class GpsReceivers implements ProblemSource, Gpsd.Receivers {

    static final String PID = "dev.outrigger.gps";

    @ObjectClassDefinition(name = "Outrigger GPS receivers", description = "Fixes from NMEA receivers with role gps, "
            + "published on <root>/<gw>/gps/<device id>")
    public @interface Config {
        @AttributeDefinition(description = "Read every device with role gps")
        boolean enabled() default true;

        @AttributeDefinition(min = "1", max = "86400", description = "Seconds between position reports while there is "
                + "a fix; gaining or losing the fix is reported at once")
        int publishSeconds() default 10;

        @AttributeDefinition(required = false, description = "host[:port] of a gpsd (port 2947) whose receivers to read, "
                + "e.g. localhost: for receivers gpsd owns (a port that a gpsd on this host reads is left to it); empty: none")
        String gpsd() default "";
    }

    private static final Logger LOG = LoggerFactory.getLogger(GpsReceivers.class);

    private final BundleContext context;
    private final Outbox outbox;
    private final Config config;
    private final Map<String, Running> receivers = new ConcurrentSkipListMap<>();
    /** Devices with role gps whose port the configured gpsd reads: read from gpsd instead, by id. */
    private final Map<String, SerialDevice> leftToGpsd = new HashMap<>();
    /**
     * Devices with role gps not opened yet, with a gpsd on this host: a port opened while gpsd reads
     * it too takes what gpsd would read, and gpsd 3.22, finding nothing there, stops reading it for
     * good. Each waits until gpsd has said which devices it has and {@link #GPSD_GRACE_MILLIS} have
     * passed since it was plugged in, for gpsd to take it (its udev rule adds it as it appears).
     */
    private final Map<String, Awaiting> awaitingGpsd = new HashMap<>();
    private boolean gpsdListed;
    /** Ends the waits of devices for gpsd; null without a gpsd on this host. */
    private final ScheduledExecutorService graceTimer;
    /** The configured gpsd's connection; null when none is, or its address is no address. */
    private final Gpsd gpsd;
    /** Why the configured gpsd address is not read; null when it is, or none is configured. */
    private final String gpsdInvalid;
    private boolean closed;

    /** @param device what discovery found, for a receiver read from its port; null for one read from gpsd */
    private record Running(Receiver receiver, ServiceRegistration<PositionSource> registration, SerialDevice device) {
    }

    /** @param graceOver whether gpsd had its time to take the device */
    private record Awaiting(SerialDevice device, boolean graceOver) {
    }

    /** How long a device plugged in is left for a gpsd on this host to take, before it is opened. */
    static final long GPSD_GRACE_MILLIS = 5_000;

    @Activate
    public GpsReceivers(BundleContext context, @Reference Outbox outbox, Config config) {
        this.context = context;
        this.outbox = outbox;
        this.config = config;
        Gpsd connection = null;
        String invalid = null;
        if (!config.gpsd().isBlank()) {
            try {
                connection = new Gpsd(Gpsd.address(config.gpsd()), publishMillis(), outbox, this,
                        System::currentTimeMillis, () -> TimeUnit.NANOSECONDS.toMillis(System.nanoTime())).start();
            } catch (IllegalArgumentException e) {
                invalid = "GPS: gpsd = " + e.getMessage() + "; no gpsd is read";
                LOG.error(invalid);
            }
        }
        this.gpsd = connection;
        this.gpsdInvalid = invalid;
        this.graceTimer = connection != null && connection.local() ? graceTimer() : null;
    }

    @Override
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        receivers.values().forEach(r -> {
            if (r.receiver() instanceof GpsReceiver port) {
                port.problem().ifPresent(problems::add);
            }
        });
        if (gpsdInvalid != null) {
            problems.add(gpsdInvalid);
        }
        if (gpsd != null) {
            gpsd.problem().ifPresent(problems::add);
        }
        return problems;
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        // not holding the lock: gpsd's thread may wait for it to say a receiver was found
        if (gpsd != null) {
            gpsd.close();
        }
        if (graceTimer != null) {
            graceTimer.shutdownNow();
            graceTimer.awaitTermination(5, TimeUnit.SECONDS);
        }
        synchronized (this) {
            closed = true;
            for (String id : receivers.keySet()) {
                stop(id);
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(device.role=gps)")
    synchronized void addDevice(SerialDevice device) {
        if (!config.enabled() || closed || receivers.containsKey(device.id())) {
            return;
        }
        if (graceTimer == null) {
            start(device);
            return;
        }
        Optional<GpsdReceiver> fromGpsd = gpsdReading(device);
        if (fromGpsd.isPresent()) {
            leaveToGpsd(device, fromGpsd.get());
            return;
        }
        awaitingGpsd.put(device.id(), new Awaiting(device, false));
        LOG.info("GPS receiver {} ({}) is left {} s to gpsd at {} to take, and opened unless it does", device.id(), device.path(),
                GPSD_GRACE_MILLIS / 1000, gpsd.address());
        graceTimer.schedule(() -> graceOver(device), GPSD_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** A thread only while a device waits: none is kept for the rare plug-in. */
    private static ScheduledExecutorService graceTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, Daemons.named("outrigger-gps gpsd-grace"));
        timer.setKeepAliveTime(1, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true);
        return timer;
    }

    /** The receiver gpsd has on that device's port, if it has one. */
    private Optional<GpsdReceiver> gpsdReading(SerialDevice device) {
        return receivers.values().stream().map(Running::receiver)
                .flatMap(r -> r instanceof GpsdReceiver g && gpsd.reads(g, device.path()) ? Stream.of(g) : Stream.empty()).findFirst();
    }

    private synchronized void graceOver(SerialDevice device) {
        Awaiting a = awaitingGpsd.get(device.id());
        if (!closed && a != null && a.device() == device) {
            awaitingGpsd.put(device.id(), new Awaiting(device, true));
            openWhatGpsdDidNotTake();
        }
    }

    @Override
    public synchronized void listed() {
        gpsdListed = true;
        if (!closed) {
            openWhatGpsdDidNotTake();
        }
    }

    /** Once gpsd said what it has: each device whose time is up is opened, or left to gpsd should it have taken it. */
    private void openWhatGpsdDidNotTake() {
        if (!gpsdListed) {
            return; // gpsd not heard yet: it may have them all
        }
        for (Awaiting a : List.copyOf(awaitingGpsd.values())) {
            Optional<GpsdReceiver> fromGpsd = gpsdReading(a.device());
            if (fromGpsd.isPresent() || a.graceOver()) {
                awaitingGpsd.remove(a.device().id());
                fromGpsd.ifPresentOrElse(r -> leaveToGpsd(a.device(), r), () -> start(a.device()));
            }
        }
    }

    private void start(SerialDevice device) {
        GpsReceiver.Options options = new GpsReceiver.Options(device.id(), device.path(), device.settings().baud(),
                publishMillis());
        register(new GpsReceiver(options, outbox, System::currentTimeMillis,
                () -> TimeUnit.NANOSECONDS.toMillis(System.nanoTime())), device);
        LOG.info("GPS receiver found: {} ({} at {} baud)", device.id(), device.path(), options.baud());
    }

    @Override
    public synchronized void found(GpsdReceiver receiver) {
        if (closed || receivers.containsKey(receiver.device())) {
            return;
        }
        register(receiver, null);
        LOG.info("GPS receiver found: {} ({})", receiver.device(), receiver.path());
        openWhatGpsdDidNotTake(); // those it took now are left to it
        // two readers of one port would each get part of its sentences: a receiver of ours on gpsd's stops
        for (Running running : List.copyOf(receivers.values())) {
            if (running.receiver() instanceof GpsReceiver port && gpsd.reads(receiver, port.path())) {
                try {
                    stop(port.device());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                leaveToGpsd(running.device(), receiver);
            }
        }
    }

    private void leaveToGpsd(SerialDevice device, GpsdReceiver receiver) {
        leftToGpsd.put(device.id(), device);
        LOG.info("GPS receiver {} ({}) is read from gpsd, which has its port, as {}", device.id(), device.path(), receiver.device());
    }

    @Override
    public synchronized void gone(GpsdReceiver receiver) {
        try {
            Running running = receivers.get(receiver.device());
            if (running != null && running.receiver() == receiver && stop(receiver.device())) {
                LOG.info("GPS receiver gone: {}", receiver.device());
            }
            // still plugged in, and no longer gpsd's: read from its port again
            for (SerialDevice device : List.copyOf(leftToGpsd.values())) {
                if (gpsd.reads(receiver, device.path())) {
                    leftToGpsd.remove(device.id());
                    start(device);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void register(Receiver receiver, SerialDevice device) {
        receivers.put(receiver.device(), new Running(receiver, context.registerService(PositionSource.class, receiver,
                new Hashtable<>(Map.of(SerialDevice.ID, receiver.device()))), device));
    }

    private long publishMillis() {
        return Duration.ofSeconds(config.publishSeconds()).toMillis();
    }

    synchronized void removeDevice(SerialDevice device) throws InterruptedException {
        if (stop(device.id()) || leftToGpsd.remove(device.id()) != null || awaitingGpsd.remove(device.id()) != null) {
            LOG.info("GPS receiver gone: {}", device.id());
        }
    }

    private boolean stop(String id) throws InterruptedException {
        Running running = receivers.get(id);
        if (running == null) {
            return false;
        }
        // the service first: once gps:status says the receiver is gone, health reports no longer see it
        running.registration().unregister();
        receivers.remove(id);
        running.receiver().close();
        return true;
    }

    /** The receivers there now. */
    List<Receiver> receivers() {
        return receivers.values().stream().map(Running::receiver).toList();
    }

    /** Gogo: {@code gps:status}. */
    public String status() {
        String fromGpsd = gpsd == null ? "" : devicesOfGpsd() + gpsd.summary() + System.lineSeparator();
        if (receivers.isEmpty()) {
            return "no GPS receiver: none plugged in with role gps (device:list shows the roles)"
                    + (gpsd == null ? "" : ", none served by gpsd") + System.lineSeparator() + fromGpsd;
        }
        Table table = new Table().column("DEVICE").column("PATH").column("STATE").column("MODE").column("TIME").column("POSITION")
                .number("ALT").number("SPEED").number("SATS").number("HDOP").number("SENTENCES").number("REJECTED");
        StringBuilder errors = new StringBuilder();
        receivers.forEach((id, running) -> {
            Receiver receiver = running.receiver();
            Receiver.Status s = receiver.status();
            Fix f = s.fix();
            table.row(id, receiver.path(), s.state(), f.mode() == 1 ? "none" : f.mode() + "D", f.time().orElse(null),
                    f.hasPosition() ? String.format(Locale.ROOT, "%.6f,%.6f", f.lat().getAsDouble(), f.lon().getAsDouble()) : null,
                    format(f.altMsl(), "%.1f m"), format(f.speed(), "%.1f m/s"),
                    f.satellites().isPresent() ? f.satellites().getAsInt() : null, format(f.hdop(), "%.1f"), s.sentences(), s.rejected());
            s.lastError().ifPresent(e -> errors.append(id).append(": last error: ").append(e).append(System.lineSeparator()));
        });
        return table + errors.toString() + fromGpsd;
    }

    /** The devices with role gps not read from their ports, because of gpsd: a line each. */
    private synchronized String devicesOfGpsd() {
        StringBuilder lines = new StringBuilder();
        leftToGpsd.values().forEach(d -> lines.append(d.id()).append(" (").append(d.path())
                .append("): its port is gpsd's, read from gpsd").append(System.lineSeparator()));
        awaitingGpsd.values().forEach(a -> lines.append(a.device().id()).append(" (").append(a.device().path())
                .append("): left to gpsd to take, opened unless it does").append(System.lineSeparator()));
        return lines.toString();
    }

    /** The value as the pattern has it; null (a dash in the table) when the receiver did not say. */
    private static String format(OptionalDouble value, String pattern) {
        return value.isPresent() ? String.format(Locale.ROOT, pattern, value.getAsDouble()) : null;
    }
}
