package dev.outrigger.gps;

import java.time.Duration;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;

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
import dev.outrigger.health.ProblemSource;
import dev.outrigger.outbox.Outbox;
import dev.outrigger.position.PositionSource;

/**
 * A {@link GpsReceiver} for every device that discovery gives role {@code gps} (the u-blox
 * profiles, or one of your own): plugged in, its fixes flow to the outbox and it is a
 * {@link PositionSource} service, for health reports; unplugged, it stops. One whose port cannot be
 * opened is a problem of the runtime's health.
 * {@code gps:status} shows each receiver and its fix.
 */
// immediate: receivers are read whether or not anyone asks gps:status
@Component(service = { GpsReceivers.class, ProblemSource.class }, immediate = true, configurationPid = GpsReceivers.PID,
        property = { "osgi.command.scope=gps", "osgi.command.function=status" })
@Designate(ocd = GpsReceivers.Config.class)
public class GpsReceivers implements ProblemSource {

    static final String PID = "dev.outrigger.gps";

    @ObjectClassDefinition(name = "Outrigger GPS receivers", description = "Fixes from NMEA receivers with role gps, "
            + "published on <root>/<gw>/gps/<device id>")
    public @interface Config {
        @AttributeDefinition(description = "Read every device with role gps")
        boolean enabled() default true;

        @AttributeDefinition(min = "1", max = "86400", description = "Seconds between position reports while there is "
                + "a fix; gaining or losing the fix is reported at once")
        int publishSeconds() default 10;
    }

    private static final Logger LOG = LoggerFactory.getLogger(GpsReceivers.class);

    private final BundleContext context;
    private final Outbox outbox;
    private final Config config;
    private final Map<String, Running> receivers = new ConcurrentSkipListMap<>();

    private record Running(GpsReceiver receiver, ServiceRegistration<PositionSource> registration) {
    }

    @Activate
    public GpsReceivers(BundleContext context, @Reference Outbox outbox, Config config) {
        this.context = context;
        this.outbox = outbox;
        this.config = config;
    }

    @Override
    public List<String> problems() {
        return receivers.values().stream().flatMap(r -> r.receiver().problem().stream()).toList();
    }

    @Deactivate
    synchronized void deactivate() throws InterruptedException {
        for (String id : receivers.keySet()) {
            stop(id);
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(device.role=gps)")
    synchronized void addDevice(SerialDevice device) {
        if (!config.enabled() || receivers.containsKey(device.id())) {
            return;
        }
        GpsReceiver.Options options = new GpsReceiver.Options(device.id(), device.path(), device.settings().baud(),
                Duration.ofSeconds(config.publishSeconds()).toMillis());
        GpsReceiver receiver = new GpsReceiver(options, outbox, System::currentTimeMillis,
                () -> TimeUnit.NANOSECONDS.toMillis(System.nanoTime()));
        receivers.put(device.id(), new Running(receiver, context.registerService(PositionSource.class, receiver,
                new Hashtable<>(Map.of(SerialDevice.ID, device.id())))));
        LOG.info("GPS receiver found: {} ({} at {} baud)", device.id(), device.path(), options.baud());
    }

    synchronized void removeDevice(SerialDevice device) throws InterruptedException {
        if (stop(device.id())) {
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

    /** The receivers plugged in now. */
    List<GpsReceiver> receivers() {
        return receivers.values().stream().map(Running::receiver).toList();
    }

    /** Gogo: {@code gps:status}. */
    public String status() {
        if (receivers.isEmpty()) {
            return "no GPS receiver: none plugged in with role gps (device:list shows the roles)\n";
        }
        Table table = new Table().column("DEVICE").column("PATH").column("STATE").column("MODE").column("TIME").column("POSITION")
                .number("ALT").number("SPEED").number("SATS").number("HDOP").number("SENTENCES").number("REJECTED");
        StringBuilder errors = new StringBuilder();
        receivers.forEach((id, running) -> {
            GpsReceiver receiver = running.receiver();
            GpsReceiver.Status s = receiver.status();
            Fix f = s.fix();
            table.row(id, receiver.options().path(), s.state(), f.mode() == 1 ? "none" : f.mode() + "D", f.time().orElse(null),
                    f.hasPosition() ? String.format(Locale.ROOT, "%.6f,%.6f", f.lat().getAsDouble(), f.lon().getAsDouble()) : null,
                    format(f.altMsl(), "%.1f m"), format(f.speed(), "%.1f m/s"),
                    f.satellites().isPresent() ? f.satellites().getAsInt() : null, format(f.hdop(), "%.1f"), s.sentences(), s.rejected());
            s.lastError().ifPresent(e -> errors.append(id).append(": last error: ").append(e).append(System.lineSeparator()));
        });
        return table + errors.toString();
    }

    /** The value as the pattern has it; null (a dash in the table) when the receiver did not say. */
    private static String format(OptionalDouble value, String pattern) {
        return value.isPresent() ? String.format(Locale.ROOT, pattern, value.getAsDouble()) : null;
    }
}
