package dev.outrigger.discovery;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.outrigger.device.UsbIdentity;

/**
 * The names udev gives serial devices in /dev/serial/by-id and by-path (rules 60-serial.rules,
 * usb_id and path_id), for systems where those links are missing.
 */
final class UdevNames {

    /** Characters udev keeps in ID_SERIAL; everything else becomes '_'. */
    private static final Pattern UNSAFE = Pattern.compile("[^0-9A-Za-z#+\\-.:=@_/]");
    private static final Pattern USB_INTERFACE = Pattern.compile("\\d+-[\\d.]+:\\d+\\.\\d+");

    private UdevNames() {
    }

    /**
     * {@code usb-<manufacturer>_<product>[_<serial>]-if<NN>[-port<N>]}; a missing manufacturer or
     * product is replaced by its id, as usb_id does.
     */
    static String byId(UsbIdentity usb, String portNumber) {
        String serial = clean(usb.manufacturer().isEmpty() ? usb.vendorId() : usb.manufacturer()) + "_"
                + clean(usb.product().isEmpty() ? usb.productId() : usb.product())
                + (usb.serial().isEmpty() ? "" : "_" + clean(usb.serial()));
        return "usb-" + serial + String.format(Locale.ROOT, "-if%02x", usb.interfaceNumber())
                + (portNumber == null ? "" : "-port" + portNumber);
    }

    /**
     * {@code <bus>-<address>[-usb-0:<ports>:<config>.<interface>][-port<N>]}, e.g.
     * {@code pci-0000:00:14.0-usb-0:3:1.0-port0} or {@code platform-fe201000.serial}: the nearest
     * PCI or platform device above the port, then the USB ports down to the interface.
     */
    static Optional<String> byPath(Path device, String portNumber) {
        String usb = null;
        for (Path d = device; d != null && d.getFileName() != null; d = d.getParent()) {
            String name = d.getFileName().toString();
            if (usb == null && USB_INTERFACE.matcher(name).matches()) {
                usb = "usb-0:" + name.substring(name.indexOf('-') + 1);
                continue;
            }
            String subsystem = subsystem(d);
            if ("pci".equals(subsystem) || "platform".equals(subsystem)) {
                return Optional.of(subsystem + "-" + name + (usb == null ? "" : "-" + usb)
                        + (portNumber == null ? "" : "-port" + portNumber));
            }
        }
        return Optional.empty();
    }

    private static String subsystem(Path device) {
        try {
            return device.resolve("subsystem").toRealPath().getFileName().toString();
        } catch (IOException e) {
            return null;
        }
    }

    private static String clean(String s) {
        return UNSAFE.matcher(s.trim().replaceAll("\\s+", "_")).replaceAll("_");
    }
}
