package dev.outrigger.discovery;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import dev.outrigger.device.Board;
import dev.outrigger.device.BoardSensors;
import dev.outrigger.device.SerialDevice;
import dev.outrigger.framework.table.Table;

/** Gogo {@code device:list}, {@code device:show}, {@code device:board}: what the services say. */
@Component(service = DeviceCommands.class, property = { "osgi.command.scope=device",
        "osgi.command.function=list", "osgi.command.function=show", "osgi.command.function=board" })
public class DeviceCommands {

    private final List<SerialDevice> devices = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Board boardService;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addDevice(SerialDevice device) {
        devices.add(device);
    }

    void removeDevice(SerialDevice device) {
        devices.remove(device);
    }

    @Descriptor("list the serial devices present")
    public String list() {
        if (devices.isEmpty()) {
            return "no serial device present (in a container, only those the host passes in are seen)\n";
        }
        // the ids shortened: each device's by-id, the id's usual source, is given in full at the end of its row
        Table table = new Table().column("ID").column("PATH").column("IDS").column("ROLE").column("PRODUCT").column("SERIAL")
                .column("BY-ID");
        devices.stream().sorted(Comparator.comparing(SerialDevice::path)).forEach(d -> table.row(shortenKeepingTheEnd(d.id(), 28),
                d.path(), d.usb().map(u -> u.ids()).orElse(null), d.role().key(),
                shorten(d.usb().map(u -> u.product()).orElse(d.driver()), 36),
                d.usb().map(u -> u.serial()).filter(s -> !s.isEmpty()).map(s -> shorten(s, 18)).orElse(null), d.byId().orElse(null)));
        return table.toString();
    }

    @Descriptor("show everything known about one device")
    public String show(@Descriptor("device id, kernel name or path") String which) {
        SerialDevice d = devices.stream()
                .filter(x -> x.id().equals(which) || x.name().equals(which) || x.path().equals(which))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("no device " + which + " (see device:list)"));
        StringBuilder out = new StringBuilder();
        line(out, "id", d.id());
        line(out, "path", d.path());
        line(out, "by-id", d.byId().orElse("-"));
        line(out, "by-path", d.byPath().orElse("-"));
        line(out, "driver", d.driver());
        d.usb().ifPresent(u -> {
            line(out, "usb ids", u.ids());
            line(out, "manufacturer", u.manufacturer());
            line(out, "product", u.product());
            line(out, "serial", u.serial());
            line(out, "interface", Integer.toString(u.interfaceNumber()));
        });
        line(out, "role", d.role().key());
        line(out, "profile", d.profile());
        line(out, "settings", d.settings().toString());
        line(out, "bridge port", d.suggestedPort() == 0 ? "-" : Integer.toString(d.suggestedPort()));
        if (d instanceof Device own && own.port().console()) {
            line(out, "console", "yes: the kernel's console writes to this port (boot messages, a login prompt)");
        }
        return out.toString();
    }

    @Descriptor("show the board this gateway runs on")
    public String board() {
        Board b = boardService;
        if (b == null) {
            throw new IllegalStateException("board information is not available");
        }
        StringBuilder out = new StringBuilder();
        line(out, "model", b.model());
        line(out, "compatible", b.compatible().isEmpty() ? "-" : String.join(", ", b.compatible()));
        line(out, "architecture", b.architecture());
        line(out, "hostname", b.hostname());
        BoardSensors sensors = b.sensors();
        line(out, "temperature", sensors.temperatures().isEmpty() ? "- (no sensor)" : sensors.temperatures().stream()
                .map(t -> t.type() + " " + PowerAndHeat.celsius(t.celsius())).collect(Collectors.joining(", ")));
        line(out, "overheating", (sensors.temperatures().isEmpty() ? "-" : sensors.overheating() ? "YES" : "no") + " (limit "
                + PowerAndHeat.celsius(sensors.overheatCelsius()) + ", overheatCelsius)");
        line(out, "power", sensors.underVoltage().map(under -> (under ? "UNDER-VOLTAGE" : "normal") + " ("
                + sensors.underVoltageDips() + " dip(s) of the supply since discovery started)")
                .orElse("- (no under-voltage alarm on this board)"));
        return out.toString();
    }

    private static void line(StringBuilder out, String key, String value) {
        out.append(String.format(Locale.ROOT, "%-13s %s%n", key, value));
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    /** For ids, which differ at their end: the serial number, a stick's -if00 and -if01. */
    private static String shortenKeepingTheEnd(String s, int max) {
        int head = max / 3;
        return s.length() <= max ? s : s.substring(0, head) + "…" + s.substring(s.length() - (max - head - 1));
    }
}
