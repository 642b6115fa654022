package dev.outrigger.meshtastic;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

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
 * A radio for every device that discovery gives role {@code meshtastic} (a profile matched it),
 * unless a configured radio opens it: plugged in, the session starts; unplugged, it ends. Opened
 * by its by-id link where there is one.
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
    private final ConfiguredAddresses configured;
    private final Map<String, Running> radios = new HashMap<>(); // guarded by this
    /** The devices with role meshtastic present now, by id. */
    private final Map<String, SerialDevice> present = new HashMap<>(); // guarded by this
    private final Runnable reevaluation = this::reevaluate;

    @Activate
    public AutoRadios(BundleContext context, @Reference Outbox outbox, @Reference ConfiguredAddresses configured,
            Config config) {
        this.context = context;
        this.outbox = outbox;
        this.config = config;
        this.configured = configured;
        configured.claims().onChange(reevaluation);
    }

    @Deactivate
    synchronized void deactivate() {
        configured.claims().noLongerTell(reevaluation);
        // a claim already on its way finds no radio to start
        present.clear();
        List.copyOf(radios.keySet()).forEach(this::stop);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(device.role=meshtastic)")
    synchronized void addDevice(SerialDevice device) {
        present.put(device.id(), device);
        reevaluate(device);
    }

    synchronized void removeDevice(SerialDevice device) {
        present.remove(device.id(), device);
        if (stop(device.id())) {
            LOG.info("Meshtastic radio gone: {}", device.id());
        }
    }

    private synchronized void reevaluate() {
        present.values().forEach(this::reevaluate);
    }

    private void reevaluate(SerialDevice device) {
        if (configured.claims().claimed(device)) {
            if (stop(device.id())) {
                LOG.info("Meshtastic radio {}: left to its configured radio", device.id());
            }
            return;
        }
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
