package dev.outrigger.bridge;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.osgi.framework.BundleContext;
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
import dev.outrigger.framework.devices.DeviceNames;
import dev.outrigger.framework.files.DataFolder;

/**
 * A bridge for every device whose profile gives it role {@code bridge}, on the profile's port (or,
 * where it suggests none, on a port the device is given for good), with the profile's serial
 * settings, unless a configured bridge selects the device or wants the port. Once
 * created, a bridge keeps listening when its device is unplugged and takes it back when the same
 * device (by id) returns, so a port is never handed to another device: a second stick of the same
 * kind waits, said in one line, until it is given a port of its own. Which of the two has the port
 * does not depend on which discovery found first: where both are plugged in, it is the one whose
 * clients used it last ({@link AssignedPorts}).
 */
@Component(configurationPid = AutoBridges.PID)
@Designate(ocd = AutoBridges.Config.class)
public class AutoBridges {

    static final String PID = "dev.outrigger.bridge.auto";

    @ObjectClassDefinition(name = "Outrigger automatic bridges")
    public @interface Config {
        @AttributeDefinition(description = "Bridge devices with role bridge on their profile's port")
        boolean enabled() default true;

        @AttributeDefinition(description = "Address the automatic bridges listen on")
        String bind() default "127.0.0.1";

        @AttributeDefinition(required = false, description = "Client addresses and networks the automatic bridges allow, "
                + "e.g. 192.168.1.20, 192.168.1.0/24 (empty: any)")
        String[] allow() default {};

        @AttributeDefinition(min = "0", max = "65535", description = "First TCP port given to a device with role bridge whose "
                + "profile suggests none; each keeps the port it is given (data/bridge/ports.properties). 0: such devices get "
                + "no automatic bridge")
        int firstPort() default 7000;
    }

    private static final Logger LOG = LoggerFactory.getLogger(AutoBridges.class);

    private final Map<String, Bridge> bridges = new HashMap<>(); // guarded by this
    /** The devices with role bridge present now, by id. */
    private final Map<String, SerialDevice> present = new HashMap<>(); // guarded by this
    private final Runnable reevaluation = this::reevaluate;
    private final Config config;
    /** Null with a bad allow list: then no automatic bridge listens, rather than one open to anyone. */
    private final AllowList allow;
    private final Bridges registry;
    private final AssignedPorts assigned;

    @Activate
    public AutoBridges(Config config, @Reference Bridges registry, BundleContext context) {
        this(config, registry, DataFolder.of(context).resolve("bridge/ports.properties"));
    }

    /** With the file the given ports are kept in. */
    AutoBridges(Config config, Bridges registry, Path assignedPorts) {
        this.config = config;
        this.registry = registry;
        this.allow = allowList(config);
        this.assigned = new AssignedPorts(assignedPorts);
        registry.configured().onChange(reevaluation);
    }

    private static AllowList allowList(Config config) {
        try {
            return AllowList.parse(Arrays.asList(config.allow()));
        } catch (IllegalArgumentException e) {
            LOG.warn("Automatic bridges: allow: {}; none listens until this is fixed", e.getMessage());
            return null;
        }
    }

    @Deactivate
    synchronized void deactivate() {
        registry.configured().noLongerTell(reevaluation);
        // a claim already on its way finds nothing to bridge
        present.keySet().forEach(registry.keptOff()::remove);
        present.clear();
        bridges.values().forEach(this::close);
        bridges.clear();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(device.role=bridge)")
    synchronized void addDevice(SerialDevice d) {
        present.put(d.id(), d);
        // all of them: its profile may have moved it off a port another device waits for
        reevaluate();
    }

    synchronized void removeDevice(SerialDevice d) {
        present.remove(d.id(), d);
        registry.keptOff().remove(d.id());
        Bridge b = bridges.get(d.id());
        if (b != null) {
            b.detach();
        }
    }

    private synchronized void reevaluate() {
        // those a port is kept for last, so that the others have made way; by id, so that which of
        // two devices waiting for one port gets it does not depend on hashing
        present.values().stream().sorted(Comparator.comparing((SerialDevice d) -> d.suggestedPort() != 0
                && d.id().equals(assigned.holder(d.suggestedPort()))).thenComparing(SerialDevice::id)).forEach(this::reevaluate);
    }

    /** The present device (not taken by a configured bridge) the port is kept for, other than this one. */
    private Optional<String> keptFor(int port, SerialDevice d) {
        String holder = assigned.holder(port);
        SerialDevice other = holder == null || holder.equals(d.id()) ? null : present.get(holder);
        return other == null || registry.configured().claimed(other) ? Optional.empty() : Optional.of(holder);
    }

    private void reevaluate(SerialDevice d) {
        if (!config.enabled() || allow == null) {
            return;
        }
        // claimed: a configured bridge took the device
        int port = registry.configured().claimed(d) ? 0 : portOf(d);
        Bridge b = bridges.get(d.id());
        Optional<String> keptFor = port == 0 ? Optional.empty() : keptFor(port, d);
        Optional<String> other = port == 0 || keptFor.isPresent() ? Optional.empty() : registry.otherListener(config.bind(), port, b);
        if (b != null && (port != b.options().port() || other.isPresent() || keptFor.isPresent())) {
            // claimed, its profile moved it to another port, a configured bridge wants this one, or
            // the device whose clients used the port last is back
            close(b);
            bridges.remove(d.id());
            b = null;
        }
        if (port == 0) {
            registry.keptOff().remove(d.id());
            return;
        }
        if (other.isPresent() || keptFor.isPresent()) {
            String why = keptFor.map(holder -> "port " + port + " is kept for " + holder + ", whose clients used it last")
                    .orElseGet(() -> "port " + port + " is bridge " + other.orElseThrow() + "'s");
            Bridges.KeptOff kept = new Bridges.KeptOff(why, DeviceNames.toConfigure(d));
            if (!kept.equals(registry.keptOff().put(d.id(), kept))) {
                LOG.warn("Automatic bridge for {}: {}, so this device is not bridged; give it a port of its own with a device "
                        + "profile (device = {}, port = ...)", d.id(), why, kept.name());
            }
            return;
        }
        registry.keptOff().remove(d.id());
        if (b == null) {
            b = new Bridge(new Bridge.Options(d.id(), config.bind(), port, Bridge.Mode.RAW, null,
                    Bridge.Policy.KICKOLDUSER, 1, 0, allow), served -> assigned.served(served.id(), port));
            bridges.put(d.id(), b);
            registry.add(b);
        }
        b.attach(d);
    }

    /** The profile's port, or the one the device was given; 0 for none. */
    private int portOf(SerialDevice d) {
        if (d.suggestedPort() != 0 || config.firstPort() == 0) {
            return d.suggestedPort();
        }
        return assigned.portFor(d.id(), config.firstPort(), p -> registry.otherListener(config.bind(), p, null).isEmpty());
    }

    private void close(Bridge b) {
        registry.remove(b);
        b.close();
    }
}
