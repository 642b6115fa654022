package dev.outrigger.discovery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A sysfs and /dev tree laid out as the kernel and udev lay them out, in a temporary folder, with
 * devices that can be plugged in and out. Paths and links follow real machines: a PC's xHCI
 * controller on PCI, a Raspberry Pi's PL011 UART before and after Linux 6.5's serial-base layer.
 */
public final class FakeSysfs {

    public final Path sys;
    public final Path dev;
    private final Map<String, Path> terminals = new HashMap<>();

    public FakeSysfs(Path root) {
        this.sys = root.resolve("sys");
        this.dev = root.resolve("dev");
        mkdirs(sys.resolve("class/tty"));
        mkdirs(dev);
        mkdirs(sys.resolve("bus/pci"));
        mkdirs(sys.resolve("bus/platform"));
        Path pci = mkdirs(sys.resolve("devices/pci0000:00/0000:00:14.0"));
        link(pci.resolve("subsystem"), sys.resolve("bus/pci"));
        // virtual terminals: no device link, never serial ports
        tty(mkdirs(sys.resolve("devices/virtual/tty/tty0")), "tty0", null);
    }

    /** A USB-to-serial converter (FTDI, CP210x, CH34x): ttyUSBn below the interface below the USB device. */
    public Path plugUsbSerial(String tty, String usbPort, String vendor, String product, String manufacturer,
            String productName, String serial, String driver) {
        return plugUsbSerial(tty, usbPort, 0, vendor, product, manufacturer, productName, serial, driver);
    }

    /** One port of a converter with a port per USB interface (CP2105, FT2232): plug each interface in turn. */
    public Path plugUsbSerial(String tty, String usbPort, int usbInterface, String vendor, String product,
            String manufacturer, String productName, String serial, String driver) {
        Path usbDevice = usbDevice(usbPort, vendor, product, manufacturer, productName, serial);
        Path iface = usbInterface(usbDevice, usbPort, usbInterface, driver);
        Path port = mkdirs(iface.resolve(tty));
        link(port.resolve("driver"), mkdirs(sys.resolve("bus/usb-serial/drivers/" + driver)));
        write(port.resolve("port_number"), "0\n");
        Path classDir = mkdirs(port.resolve("tty/" + tty));
        tty(classDir, tty, port);
        return node(tty);
    }

    /** A CDC ACM device (most native-USB radios): ttyACMn directly below the interface. */
    public Path plugCdcAcm(String tty, String usbPort, String vendor, String product, String manufacturer,
            String productName, String serial) {
        Path usbDevice = usbDevice(usbPort, vendor, product, manufacturer, productName, serial);
        Path iface = usbInterface(usbDevice, usbPort, 0, "cdc_acm");
        Path classDir = mkdirs(iface.resolve("tty/" + tty));
        tty(classDir, tty, iface);
        return node(tty);
    }

    /** A board's own UART, e.g. ttyAMA0 on fe201000.serial, in the pre-6.5 or the 6.5+ layout. */
    public Path addPlatformUart(String tty, String controller, String driver, boolean serialBase) {
        Path uart = mkdirs(sys.resolve("devices/platform/soc/" + controller));
        link(uart.resolve("subsystem"), sys.resolve("bus/platform"));
        link(uart.resolve("driver"), mkdirs(sys.resolve("bus/platform/drivers/" + driver)));
        Path device = uart;
        if (serialBase) {
            Path ctrl = mkdirs(uart.resolve(controller + ":0"));
            link(ctrl.resolve("driver"), mkdirs(sys.resolve("bus/serial-base/drivers/ctrl")));
            device = mkdirs(ctrl.resolve(controller + ":0.0"));
            link(device.resolve("driver"), mkdirs(sys.resolve("bus/serial-base/drivers/port")));
        }
        Path classDir = mkdirs(device.resolve("tty/" + tty));
        tty(classDir, tty, device);
        write(classDir.resolve("type"), "32\n");
        return node(tty);
    }

    /** The kernel's console on these ttys, as {@code /sys/class/tty/console/active} says: a tty without a device. */
    public void consoleOn(String... ttys) {
        Path console = mkdirs(sys.resolve("devices/virtual/tty/console"));
        write(console.resolve("active"), String.join(" ", ttys) + "\n");
        link(mkdirs(sys.resolve("class/tty")).resolve("console"), console);
    }

    /** An 8250 port without a UART behind it, as every PC has a few of: type 0. */
    public Path addPlaceholderTtyS(String tty) {
        Path port = mkdirs(sys.resolve("devices/platform/serial8250/serial8250:0/serial8250:0." + tty.substring(4)));
        link(port.resolve("driver"), mkdirs(sys.resolve("bus/serial-base/drivers/port")));
        Path classDir = mkdirs(port.resolve("tty/" + tty));
        tty(classDir, tty, port);
        write(classDir.resolve("type"), "0\n");
        return node(tty);
    }

    /** udev's link in /dev/serial/by-id. */
    public Path addByIdLink(String name, String tty) {
        return link(mkdirs(dev.resolve("serial/by-id")).resolve(name), Path.of("../../" + tty));
    }

    /** Unplugs: the /dev node and the class link go first, as the kernel and udev do; then the device tree. */
    public void unplug(String tty) {
        try {
            Files.deleteIfExists(dev.resolve(tty));
            Path classLink = sys.resolve("class/tty/" + tty);
            Path classDir = classLink.toRealPath();
            Files.delete(classLink);
            Path device = classDir.getParent().getParent();
            deleteTree(device.getFileName().toString().startsWith(tty) ? device : classDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A thermal zone at {@code celsius}, or now at it: a virtual device behind a class link, as Linux has them. */
    public void thermalZone(int n, String type, double celsius) {
        Path zone = mkdirs(sys.resolve("devices/virtual/thermal/thermal_zone" + n));
        write(zone.resolve("type"), type + "\n");
        write(zone.resolve("temp"), Math.round(celsius * 1000) + "\n");
        link(mkdirs(sys.resolve("class/thermal")).resolve("thermal_zone" + n), zone);
    }

    /** A Raspberry Pi's under-voltage alarm ({@code rpi_volt}), raised or not, beside another hardware monitor. */
    public void underVoltageAlarm(boolean raised) {
        Path nvme = mkdirs(sys.resolve("devices/pci0000:00/0000:00:01.0/hwmon/hwmon0"));
        write(nvme.resolve("name"), "nvme\n");
        Path rpi = mkdirs(sys.resolve("devices/platform/soc/soc:firmware/raspberrypi-hwmon/hwmon/hwmon1"));
        write(rpi.resolve("name"), "rpi_volt\n");
        write(rpi.resolve("in0_lcrit_alarm"), (raised ? "1" : "0") + "\n");
        Path hwmon = mkdirs(sys.resolve("class/hwmon"));
        link(hwmon.resolve("hwmon0"), nvme);
        link(hwmon.resolve("hwmon1"), rpi);
    }

    /** A hardware monitor ({@code coretemp}, {@code k10temp}, {@code nvme}) whose first temperature is {@code celsius}. */
    public void hardwareMonitor(int n, String name, double celsius) {
        Path monitor = mkdirs(sys.resolve("devices/pci0000:00/0000:00:18." + n + "/hwmon/hwmon" + n));
        write(monitor.resolve("name"), name + "\n");
        write(monitor.resolve("temp1_input"), Math.round(celsius * 1000) + "\n");
        link(mkdirs(sys.resolve("class/hwmon")).resolve("hwmon" + n), monitor);
    }

    private Path usbDevice(String usbPort, String vendor, String product, String manufacturer, String productName,
            String serial) {
        Path usb = mkdirs(sys.resolve("devices/pci0000:00/0000:00:14.0/usb1/" + usbPort));
        write(usb.resolve("idVendor"), vendor + "\n");
        write(usb.resolve("idProduct"), product + "\n");
        if (manufacturer != null) {
            write(usb.resolve("manufacturer"), manufacturer + "\n");
        }
        if (productName != null) {
            write(usb.resolve("product"), productName + "\n");
        }
        if (serial != null) {
            write(usb.resolve("serial"), serial + "\n");
        }
        return usb;
    }

    private Path usbInterface(Path usbDevice, String usbPort, int number, String driver) {
        Path iface = mkdirs(usbDevice.resolve(usbPort + ":1." + number));
        write(iface.resolve("bInterfaceNumber"), String.format(Locale.ROOT, "%02x%n", number));
        link(iface.resolve("driver"), mkdirs(sys.resolve("bus/usb/drivers/" + driver)));
        return iface;
    }

    private void tty(Path classDir, String tty, Path device) {
        if (device != null) {
            link(classDir.resolve("device"), device);
        }
        link(sys.resolve("class/tty/" + tty), classDir);
    }

    /**
     * From now on, {@code tty}'s /dev node is a link to a real terminal (one end of a pty pair),
     * so that what discovery finds can be opened: the device appears once, already openable.
     */
    public void wire(String tty, Path terminal) {
        terminals.put(tty, terminal);
    }

    private Path node(String tty) {
        Path node = dev.resolve(tty);
        Path terminal = terminals.get(tty);
        if (terminal != null) {
            return link(node, terminal);
        }
        write(node, "");
        return node;
    }

    private static Path link(Path link, Path target) {
        try {
            Files.deleteIfExists(link);
            Path relative = target.isAbsolute() ? link.getParent().relativize(target) : target;
            return Files.createSymbolicLink(link, relative);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path mkdirs(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void write(Path file, String content) {
        try {
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
