package dev.outrigger.discovery;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.config.SettingsException.Problem;
import dev.outrigger.device.Role;
import dev.outrigger.device.SerialSettings;
import dev.outrigger.device.SerialSettings.FlowControl;
import dev.outrigger.device.SerialSettings.Parity;
import dev.outrigger.device.SerialSettings.StopBits;

/**
 * One configured profile ({@code etc/dev.outrigger.discovery.profile-<name>.cfg}), handed to
 * discovery as a service. A profile with {@code device} set is a per-device override.
 */
@Component(service = ConfiguredProfile.class, configurationPid = ConfiguredProfile.FACTORY_PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = ConfiguredProfile.Config.class, factory = true)
public class ConfiguredProfile {

    static final String FACTORY_PID = "dev.outrigger.discovery.profile";

    @ObjectClassDefinition(name = "Outrigger device profile",
            description = "Gives matching serial devices a role and serial settings.")
    public @interface Config {
        @AttributeDefinition(required = false, description = "Profile name (default: the configuration's name)")
        String name() default "";

        @AttributeDefinition(required = false, description = "Only this device: its id, by-id or by-path link (sticks alike: "
                + "the USB port), /dev path or a link to it; wins over every other profile")
        String device() default "";

        @AttributeDefinition(required = false, description = "USB vendor id, 4 hex digits, e.g. 10c4")
        String vendorId() default "";

        @AttributeDefinition(required = false, description = "USB product id, 4 hex digits, e.g. ea60")
        String productId() default "";

        @AttributeDefinition(min = "-1", max = "255", description = "USB interface number, for devices with a port per "
                + "interface (the ifNN in their by-id name); -1: any")
        int usbInterface() default Profile.ANY_INTERFACE;

        @AttributeDefinition(required = false, description = "Regular expression found in the USB serial number")
        String serial() default "";

        @AttributeDefinition(required = false, description = "Regular expression found in the USB manufacturer string")
        String manufacturer() default "";

        @AttributeDefinition(required = false, description = "Regular expression found in the USB product string")
        String product() default "";

        @AttributeDefinition(required = false, description = "Regular expression found in the kernel name, e.g. ttyAMA0")
        String tty() default "";

        @AttributeDefinition(description = "Who owns the port (pod: the pods that ask the kubelet for it)", options = {
                @Option(value = "bridge"), @Option(value = "meshtastic"), @Option(value = "gps"), @Option(value = "pod"),
                @Option(value = "ignore") })
        String role() default "ignore";

        @AttributeDefinition(min = "50", max = "4000000")
        int baud() default 115200;

        @AttributeDefinition(min = "5", max = "8")
        int dataBits() default 8;

        @AttributeDefinition(options = { @Option(value = "none"), @Option(value = "odd"), @Option(value = "even"),
                @Option(value = "mark"), @Option(value = "space") })
        String parity() default "none";

        @AttributeDefinition(options = { @Option(value = "1"), @Option(value = "1.5"), @Option(value = "2") })
        String stopBits() default "1";

        @AttributeDefinition(options = { @Option(value = "none"), @Option(value = "rtscts"), @Option(value = "xonxoff") })
        String flowControl() default "none";

        @AttributeDefinition(description = "DTR when the port is opened (many Zigbee sticks need off)")
        boolean dtr() default true;

        @AttributeDefinition(description = "RTS when the port is opened (many Zigbee sticks need off)")
        boolean rts() default true;

        @AttributeDefinition(min = "0", max = "65535", description = "TCP port a bridge should use (0: none suggested)")
        int port() default 0;

        @AttributeDefinition(description = "Among matching profiles the higher ranking wins; built-in profiles have 0")
        int ranking() default 100;
    }

    private static final Logger LOG = LoggerFactory.getLogger(ConfiguredProfile.class);
    private static final Pattern USB_ID = Pattern.compile("[0-9a-fA-F]{4}");
    private static final List<String> USB_IDS = List.of("vendorId", "productId");
    private static final List<String> PATTERNS = List.of("serial", "manufacturer", "product", "tty");

    /** Null when the configuration does not make a profile: said in one line, and left out. */
    private final Profile profile;

    @Activate
    public ConfiguredProfile(Config config, Map<String, Object> properties) {
        String name = config.name().isEmpty()
                ? String.valueOf(properties.getOrDefault("service.pid", FACTORY_PID)).replaceFirst("^.*~", "")
                : config.name();
        Map<String, Object> values = Map.of("vendorId", config.vendorId(), "productId", config.productId(),
                "serial", config.serial(), "manufacturer", config.manufacturer(), "product", config.product(), "tty", config.tty());
        List<Problem> problems = problems(values);
        if (problems.isEmpty()) {
            this.profile = new Profile(name, config.device().trim(), config.vendorId().trim(), config.productId().trim(),
                    config.usbInterface(), Profile.pattern(config.serial()), Profile.pattern(config.manufacturer()),
                    Profile.pattern(config.product()), Profile.pattern(config.tty()), Role.of(config.role()), settings(config), config.port(), config.ranking());
        } else {
            LOG.warn("Device profile {}: {}; the profile is not used until this is fixed", name,
                    problems.stream().map(Problem::toString).collect(Collectors.joining("; ")));
            this.profile = null;
        }
    }

    Optional<Profile> profile() {
        return Optional.ofNullable(profile);
    }

    /** USB ids that are not 4 hex digits, patterns that are not regular expressions. */
    static List<Problem> problems(Map<String, Object> values) {
        List<Problem> problems = new ArrayList<>();
        USB_IDS.forEach(key -> {
            if (values.get(key) instanceof String id && !id.isBlank() && !USB_ID.matcher(id.trim()).matches()) {
                problems.add(new Problem(key, id + " is not a USB id (4 hex digits, as lsusb shows them, e.g. 10c4)"));
            }
        });
        PATTERNS.forEach(key -> {
            if (values.get(key) instanceof String regex) {
                try {
                    Profile.pattern(regex);
                } catch (PatternSyntaxException e) {
                    problems.add(new Problem(key, regex + " is not a regular expression (" + e.getDescription() + ")"));
                }
            }
        });
        return problems;
    }

    static SerialSettings settings(Config c) {
        return new SerialSettings(c.baud(), c.dataBits(), Parity.of(c.parity()), StopBits.of(c.stopBits()),
                FlowControl.of(c.flowControl()), c.dtr(), c.rts());
    }
}
