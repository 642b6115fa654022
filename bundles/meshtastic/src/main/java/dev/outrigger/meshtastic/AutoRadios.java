package dev.outrigger.meshtastic;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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
import dev.outrigger.mesh.MeshRadio;
import dev.outrigger.outbox.Outbox;

/**
 * A radio for every device that discovery gives role {@code meshtastic} (a profile matched it):
 * plugged in, the session starts; unplugged, it ends. Opened by its by-id link where there is one.
 */
@Component(configurationPid = AutoRadios.PID)
@Designate(ocd = AutoRadios.Config.class)
public class AutoRadios {

    static final String PID = "dev.outrigger.meshtastic.auto";

    @ObjectClassDefinition(name = "Outrigger automatic Meshtastic radios")
    public @interface Config {
        @AttributeDefinition(description = "A radio session for each device with role meshtastic")
        boolean enabled() default true;
    }

    private static final Logger LOG = LoggerFactory.getLogger(AutoRadios.class);
    /** Timings for discovered radios: the defaults of a configured one. */
    private static final RadioSession.Timing TIMING = new RadioSession.Timing(15_000, 300_000, 1_000, 30_000);

    private record Running(Radio radio, ServiceRegistration<MeshRadio> registration) {
    }

    private final BundleContext context;
    private final Outbox outbox;
    private final Config config;
    private final Map<String, Running> radios = new ConcurrentHashMap<>();

    @Activate
    public AutoRadios(BundleContext context, @Reference Outbox outbox, Config config) {
        this.context = context;
        this.outbox = outbox;
        this.config = config;
    }

    @Deactivate
    synchronized void deactivate() {
        radios.keySet().forEach(this::stop);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(device.role=meshtastic)")
    synchronized void addDevice(SerialDevice device) {
        if (!config.enabled() || radios.containsKey(device.id())) {
            return;
        }
        int baud = device.settings().baud();
        // the by-id link where udev made one (discovery also derives the name where it did not)
        String address = device.byId().filter(link -> Files.exists(Path.of(link))).orElse(device.path());
        Radio radio = new Radio(outbox, new Radio.Options(address, baud, TIMING, 300, SeenPackets.fileFor(context, address)));
        radios.put(device.id(), new Running(radio, context.registerService(MeshRadio.class, radio,
                new Hashtable<>(Map.of("mesh.address", radio.address(), SerialDevice.ID, device.id())))));
        LOG.info("Meshtastic radio found: {} ({})", device.id(), radio.address());
    }

    synchronized void removeDevice(SerialDevice device) {
        if (stop(device.id())) {
            LOG.info("Meshtastic radio gone: {}", device.id());
        }
    }

    private boolean stop(String id) {
        Running running = radios.remove(id);
        if (running == null) {
            return false;
        }
        running.registration().unregister();
        try {
            running.radio().close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }
}
