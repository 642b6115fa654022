package dev.outrigger.meshtastic;

import java.util.Hashtable;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.mesh.MeshRadio;
import dev.outrigger.outbox.Outbox;

/** A radio at a configured address ({@code etc/dev.outrigger.meshtastic-<name>.cfg}). */
@Component(configurationPid = ConfiguredRadio.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = ConfiguredRadio.Config.class, factory = true)
public class ConfiguredRadio {

    private static final Logger LOG = LoggerFactory.getLogger(ConfiguredRadio.class);

    static final String PID = "dev.outrigger.meshtastic";

    @ObjectClassDefinition(name = "Outrigger Meshtastic radio", description = "A Meshtastic radio on its client API")
    public @interface Config {
        @AttributeDefinition(description = "host[:port] of its TCP API (port 4403), or the path of its serial device, "
                + "e.g. /dev/serial/by-id/usb-...")
        String address();

        @AttributeDefinition(min = "1200", max = "921600", description = "Serial line speed")
        int baud() default 115200;

        @AttributeDefinition(min = "10", max = "840", description = "Heartbeat interval; the radio drops the API after 15 minutes of silence")
        int heartbeatSeconds() default 300;

        @AttributeDefinition(min = "1", max = "120", description = "How long the handshake may take")
        int handshakeSeconds() default 15;

        @AttributeDefinition(min = "100", description = "First reconnect delay, doubled (with jitter) up to the maximum")
        int reconnectMinMillis() default 1000;

        @AttributeDefinition(min = "100")
        int reconnectMaxMillis() default 30000;

        @AttributeDefinition(min = "10", max = "3600", description = "A sent text without acknowledgement fails after this")
        int ackTimeoutSeconds() default 300;
    }

    private final ConfiguredAddresses configured;
    /** Null without a usable address (said in one line), and while another configuration holds the radio. */
    private Radio radio; // guarded by this
    private ServiceRegistration<MeshRadio> registration; // guarded by this
    private boolean closed; // guarded by this

    @Activate
    public ConfiguredRadio(BundleContext context, @Reference Outbox outbox, @Reference ConfiguredAddresses configured,
            Config config, Map<String, Object> properties) {
        this.configured = configured;
        String address = config.address() == null ? "" : config.address().trim();
        if (address.isEmpty() || !usable(address)) {
            return;
        }
        // two sessions to one radio would push each other off it, over and over
        configured.take(this, address, () -> start(context, outbox, config, address)).ifPresent(other -> LOG.error(
                "Meshtastic {}: {} is the radio configured as {} already; one radio takes one session, so this "
                        + "configuration waits until that one is removed or changed",
                properties.get(Constants.SERVICE_PID), address, other));
    }

    private synchronized void start(BundleContext context, Outbox outbox, Config config, String address) {
        if (closed) {
            return;
        }
        // first, so that an automatic session on the same device lets go of the port
        configured.claims().claim(address);
        radio = new Radio(outbox, new Radio.Options(address, config.baud(),
                new RadioSession.Timing(config.handshakeSeconds() * 1000L, config.heartbeatSeconds() * 1000L,
                        config.reconnectMinMillis(), config.reconnectMaxMillis()), config.ackTimeoutSeconds(),
                SeenPackets.fileFor(context, address)));
        registration = context.registerService(MeshRadio.class, radio, new Hashtable<>(Map.of("mesh.address", radio.address())));
    }

    private static boolean usable(String address) {
        try {
            RadioAddress.parse(address);
            return true;
        } catch (IllegalArgumentException e) {
            LOG.error("Meshtastic: address {}; no radio is started for it until it is corrected", e.getMessage());
            return false;
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        synchronized (this) {
            closed = true;
            if (radio != null) {
                registration.unregister();
                radio.close();
                configured.claims().release(radio.address());
            }
        }
        configured.letGo(this);
    }
}
