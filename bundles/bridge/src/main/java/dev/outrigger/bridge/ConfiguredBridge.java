package dev.outrigger.bridge;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import javax.net.ssl.SSLContext;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.device.Role;
import dev.outrigger.device.SerialDevice;
import dev.outrigger.device.SerialSettings;
import dev.outrigger.framework.devices.DeviceNames;
import dev.outrigger.tls.PemTls;

/**
 * One configured bridge ({@code etc/dev.outrigger.bridge-<name>.cfg}). Changing it re-binds this
 * bridge only; the others keep their clients.
 */
@Component(configurationPid = ConfiguredBridge.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
@Designate(ocd = ConfiguredBridge.Config.class, factory = true)
public class ConfiguredBridge {

    private static final Logger LOG = LoggerFactory.getLogger(ConfiguredBridge.class);

    static final String FACTORY_PID = "dev.outrigger.bridge";

    @ObjectClassDefinition(name = "Outrigger serial bridge", description = "A serial device on a TCP port.")
    public @interface Config {
        @AttributeDefinition(description = "Which device: its id, by-id or by-path link (sticks alike: the USB port), "
                + "/dev path or a link to it, kernel name, or vendor:product[:serial]")
        String device();

        @AttributeDefinition(min = "1", max = "65535")
        int port();

        @AttributeDefinition(description = "Address to listen on; loopback unless you mean the network")
        String bind() default "127.0.0.1";

        @AttributeDefinition(description = "raw: bytes as they are (tcp:// in zigbee2mqtt, zwave-js); "
                + "rfc2217: clients set baud, DTR, RTS... (pyserial rfc2217://)", options = {
                        @Option(value = "raw"), @Option(value = "rfc2217") })
        String mode() default "raw";

        @AttributeDefinition(min = "0", max = "4000000", description = "0: the settings of the device's profile")
        int baud() default 0;

        @AttributeDefinition(min = "5", max = "8")
        int dataBits() default 8;

        @AttributeDefinition(options = { @Option(value = "none"), @Option(value = "odd"), @Option(value = "even"),
                @Option(value = "mark"), @Option(value = "space") })
        String parity() default "none";

        @AttributeDefinition(options = { @Option(value = "1"), @Option(value = "1.5"), @Option(value = "2") })
        String stopBits() default "1";

        @AttributeDefinition(options = { @Option(value = "none"), @Option(value = "rtscts"), @Option(value = "xonxoff") })
        String flowControl() default "none";

        boolean dtr() default true;

        boolean rts() default true;

        @AttributeDefinition(description = "kickolduser: a new client replaces the oldest; share: up to maxClients at once",
                options = { @Option(value = "kickolduser"), @Option(value = "share") })
        String policy() default "kickolduser";

        @AttributeDefinition(min = "1", max = "64")
        int maxClients() default 1;

        @AttributeDefinition(min = "0", description = "Close a client after this many seconds without traffic (0: never)")
        int idleTimeoutSeconds() default 0;

        @AttributeDefinition(min = "0", max = "3600", description = "Probe a client after this many seconds without traffic: "
                + "one whose host is off or off the network is closed within about twice that (0: never "
                + "probed)")
        int keepAliveSeconds() default Bridge.KEEPALIVE_SECONDS;

        @AttributeDefinition(required = false, description = "Client addresses and networks allowed, e.g. 192.168.1.20, 192.168.1.0/24 (empty: any)")
        String[] allow() default {};

        @AttributeDefinition(required = false, description = "PEM certificate (chain) of the listener: TLS instead of plain TCP")
        String tlsCertFile() default "";

        @AttributeDefinition(required = false, description = "PKCS#8 PEM private key of that certificate")
        String tlsKeyFile() default "";

        @AttributeDefinition(required = false, description = "PEM CA certificates: when set, clients must present a certificate they signed")
        String tlsClientCaFile() default "";
    }

    /** Null without a device or port (the configuration guard has said which), or with a bad allow list. */
    private final Bridge bridge;
    private final String selector;
    private final Bridges registry;
    private final List<SerialDevice> devices = new CopyOnWriteArrayList<>();
    /** The device last left to the bundle its role gives it, so that this is said once. */
    private String refused; // guarded by this
    /** The devices the selector last fitted, so that several are said once. */
    private String ambiguous = ""; // guarded by this

    @Activate
    public ConfiguredBridge(Config config, @Reference Bridges registry) {
        this.selector = config.device() == null ? "" : config.device().trim();
        this.registry = registry;
        AllowList allow;
        try {
            allow = AllowList.parse(Arrays.asList(config.allow()));
        } catch (IllegalArgumentException e) {
            // not listening rather than open to anyone
            LOG.warn("Bridge {}: allow: {}; not listening until this is fixed", selector, e.getMessage());
            allow = null;
        }
        if (selector.isEmpty() || config.port() == 0 || allow == null) {
            this.bridge = null;
            return;
        }
        SerialSettings settings = config.baud() == 0 ? null : new SerialSettings(config.baud(), config.dataBits(),
                SerialSettings.Parity.of(config.parity()), SerialSettings.StopBits.of(config.stopBits()),
                SerialSettings.FlowControl.of(config.flowControl()), config.dtr(), config.rts());
        Bridge.Options options = new Bridge.Options(selector, config.bind(), config.port(),
                Bridge.Mode.valueOf(config.mode().toUpperCase(Locale.ROOT)), settings,
                Bridge.Policy.valueOf(config.policy().toUpperCase(Locale.ROOT)), config.maxClients(),
                config.idleTimeoutSeconds(), config.keepAliveSeconds(), allow,
                config.tlsCertFile().isBlank() ? null : () -> tls(config), !config.tlsClientCaFile().isBlank());
        // first, so that an automatic bridge on the device or on the port lets go before this listens
        registry.willListen(options);
        registry.configured().claim(selector);
        this.bridge = new Bridge(options);
        registry.add(bridge);
        reevaluate();
    }

    /** Renewed files (cert-manager, an ACME client) are taken up by the next handshake: no restart, no expired certificate. */
    private SSLContext tls(Config config) throws IOException {
        try {
            // trust: only the client CA, when client certificates are required; otherwise not used
            return PemTls.renewing(config.tlsClientCaFile().isBlank() ? "" : config.tlsClientCaFile(), config.tlsCertFile(),
                    config.tlsKeyFile(), why -> LOG.warn("Bridge {}: {}", selector, why));
        } catch (NoSuchFileException e) {
            throw new IOException("TLS: no file " + e.getFile(), e);
        } catch (IOException | GeneralSecurityException e) {
            throw new IOException("TLS files unusable: " + e.getMessage(), e);
        }
    }

    @Deactivate
    void deactivate() {
        if (bridge != null) {
            registry.remove(bridge);
            bridge.close();
            registry.stoppedListening(bridge.options());
            registry.configured().release(selector);
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addDevice(SerialDevice d) {
        devices.add(d);
        reevaluate();
    }

    void removeDevice(SerialDevice d) {
        devices.remove(d);
        reevaluate();
    }

    private synchronized void reevaluate() {
        if (bridge == null) {
            return;
        }
        // by id, so that a selector several devices fit (vendor:product) always takes the same one
        List<SerialDevice> matching = devices.stream().filter(d -> matches(selector, d))
                .sorted(Comparator.comparing(SerialDevice::id)).toList();
        String ids = matching.stream().map(SerialDevice::id).collect(Collectors.joining(", "));
        if (matching.size() > 1 && !ids.equals(ambiguous)) {
            boolean alike = matching.stream().map(SerialDevice::byId).distinct().count() == 1;
            LOG.warn("Bridge {}: {} devices fit ({}); bridging {}, and no automatic bridge for the others: select one by "
                    + "its {}", selector, matching.size(), ids, matching.get(0).id(), alike
                            ? "by-path name, the USB port it is plugged into (they share their by-id name): "
                                    + matching.stream().map(d -> d.byPath().orElse(d.path())).collect(Collectors.joining(", "))
                            : "by-id name");
        }
        ambiguous = ids;
        Optional<SerialDevice> match = matching.stream().findFirst();
        Optional<SerialDevice> ownedElsewhere = match.filter(d -> d.role() == Role.MESHTASTIC || d.role() == Role.GPS);
        if (ownedElsewhere.isPresent()) {
            SerialDevice d = ownedElsewhere.get();
            if (!d.id().equals(refused)) {
                LOG.warn("Bridge {}: device {} has role {}, so the {} bundle reads it; to bridge it instead, give it role "
                        + "bridge with a device profile (device = {})", selector, d.id(), d.role().key(), d.role().key(), d.id());
            }
            refused = d.id();
            bridge.detach();
            return;
        }
        refused = null;
        match.ifPresentOrElse(bridge::attach, bridge::detach);
    }

    static boolean matches(String selector, SerialDevice d) {
        if (DeviceNames.isNameOf(selector, d)) {
            return true;
        }
        String[] ids = selector.split(":");
        return d.usb().filter(u -> ids.length >= 2 && ids[0].equalsIgnoreCase(u.vendorId())
                && ids[1].equalsIgnoreCase(u.productId()) && (ids.length == 2 || ids[2].equals(u.serial()))).isPresent();
    }
}
