package dev.outrigger.discovery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import dev.outrigger.device.UsbIdentity;

/**
 * Walks {@code <sys>/class/tty} and {@code <dev>} and returns the serial ports that are really
 * there. Works on both sysfs layouts: before Linux 6.5 a tty's {@code device} is the UART (or the
 * usb-serial port, or the cdc_acm interface); from 6.5 on, serial-core ports hang below
 * {@code serial-base} controller and port devices. Placeholders such as {@code ttyS1} without a
 * UART ({@code type} 0) and virtual terminals are skipped.
 */
final class SysfsScanner {

    /** serial-base's own devices (Linux 6.5+) sit between a UART and its tty. */
    private static final List<String> SERIAL_BASE_DRIVERS = List.of("port", "ctrl");
    private static final int MAX_USB_DEPTH = 4;
    private static final Pattern UNPRINTABLE = Pattern.compile("[\\p{Cntrl}\\uFFFD]");

    private final Path sys;
    private final Path dev;

    SysfsScanner(Path sys, Path dev) {
        this.sys = sys;
        this.dev = dev;
    }

    List<Port> scan() {
        Map<String, String> byId = links(dev.resolve("serial/by-id"));
        Map<String, String> byPath = links(dev.resolve("serial/by-path"));
        // the ttys the kernel's console writes to, e.g. "tty1 ttyAMA0" for console=serial0,115200 console=tty1
        String active = attribute(sys.resolve("class/tty/console/active"));
        Set<String> consoles = active == null ? Set.of() : Set.of(active.split("\\s+"));
        List<Port> ports = new ArrayList<>();
        try (DirectoryStream<Path> ttys = Files.newDirectoryStream(sys.resolve("class/tty"))) {
            for (Path tty : ttys) {
                port(tty, byId, byPath, consoles).ifPresent(ports::add);
            }
        } catch (NoSuchFileException e) {
            return List.of(); // no sysfs (or no tty class): nothing to find
        } catch (IOException e) {
            // not "no devices": that would take every device away until the next scan
            throw new UncheckedIOException("cannot read " + sys.resolve("class/tty") + ": " + e, e);
        }
        ports.sort((a, b) -> a.name().compareTo(b.name()));
        return ports;
    }

    private Optional<Port> port(Path tty, Map<String, String> byIdLinks, Map<String, String> byPathLinks, Set<String> consoles) {
        String name = tty.getFileName().toString();
        Path device = tty.resolve("device");
        Path node = dev.resolve(name);
        if (!Files.isDirectory(device) || !Files.exists(node) || "0".equals(attribute(tty.resolve("type")))) {
            return Optional.empty();
        }
        List<String> problems = new ArrayList<>();
        Path realDevice;
        try {
            realDevice = device.toRealPath();
        } catch (IOException e) {
            return Optional.empty();
        }
        Optional<UsbIdentity> usb = usb(realDevice, problems);
        String driver = driver(realDevice);
        String portNumber = attribute(realDevice.resolve("port_number"));
        boolean usbSerial = usb.isPresent() && portNumber != null;

        Optional<String> byId = Optional.ofNullable(byIdLinks.get(name))
                .or(() -> usb.map(u -> dev.resolve("serial/by-id/" + UdevNames.byId(u, usbSerial ? portNumber : null)).toString()));
        Optional<String> byPath = Optional.ofNullable(byPathLinks.get(name))
                .or(() -> UdevNames.byPath(realDevice, usbSerial ? portNumber : null).map(p -> dev.resolve("serial/by-path/" + p).toString()));
        return Optional.of(new Port(name, node.toString(), byId, byPath, driver, usb, List.copyOf(problems), consoles.contains(name)));
    }

    /** The USB device is the nearest ancestor with an idVendor: one level up for cdc_acm, two for usb-serial. */
    private static Optional<UsbIdentity> usb(Path device, List<String> problems) {
        Path child = device;
        Path candidate = device;
        for (int depth = 0; depth <= MAX_USB_DEPTH && candidate != null; depth++) {
            if (Files.exists(candidate.resolve("idVendor"))) {
                String vendor = attribute(candidate.resolve("idVendor"));
                String product = attribute(candidate.resolve("idProduct"));
                if (vendor == null || product == null) {
                    problems.add("unreadable idVendor/idProduct in " + candidate);
                    return Optional.empty();
                }
                String iface = attribute(child.resolve("bInterfaceNumber"));
                int interfaceNumber = 0;
                try {
                    interfaceNumber = iface == null ? 0 : Integer.parseInt(iface, 16);
                } catch (NumberFormatException e) {
                    problems.add("bInterfaceNumber is not hex: " + iface);
                }
                return Optional.of(new UsbIdentity(vendor.toLowerCase(Locale.ROOT), product.toLowerCase(Locale.ROOT),
                        orEmpty(candidate.resolve("serial")), orEmpty(candidate.resolve("manufacturer")),
                        orEmpty(candidate.resolve("product")), interfaceNumber));
            }
            child = candidate;
            candidate = candidate.getParent();
        }
        return Optional.empty();
    }

    /** The driver that owns the port; past serial-base's own port and controller devices. */
    private static String driver(Path device) {
        Path d = device;
        for (int depth = 0; depth < 3 && d != null; depth++) {
            String driver = driverName(d);
            if (driver != null && !SERIAL_BASE_DRIVERS.contains(driver)) {
                return driver;
            }
            d = d.getParent();
        }
        return "unknown";
    }

    private static String driverName(Path device) {
        try {
            return device.resolve("driver").toRealPath().getFileName().toString();
        } catch (IOException e) {
            return null;
        }
    }

    /** Link target's file name (e.g. ttyUSB0) to the link's path, for a /dev/serial/by-* folder. */
    private static Map<String, String> links(Path folder) {
        Map<String, String> links = new HashMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path link : entries) {
                try {
                    links.put(link.toRealPath().getFileName().toString(), link.toString());
                } catch (IOException dangling) {
                    // a link whose device is gone: udev removes it shortly
                }
            }
        } catch (IOException e) {
            // no such folder: udev did not create it, or does not run here
        }
        return links;
    }

    /** A sysfs attribute, trimmed and printable, or null when absent or unreadable. */
    static String attribute(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(bytes)).toString();
            return UNPRINTABLE.matcher(text).replaceAll(" ").trim();
        } catch (IOException e) {
            return null;
        }
    }

    private static String orEmpty(Path file) {
        String value = attribute(file);
        return value == null ? "" : value;
    }
}
