package dev.outrigger.bridge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.IntPredicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.framework.files.DurableFile;

/**
 * Whose port is whose, for automatic bridges. A device with role {@code bridge} whose profile
 * suggests no port (a converter for a furnace's RS-485, every device with {@code unknownRole =
 * bridge}) is given one: it keeps it across replugs and restarts, as its clients are configured with
 * it, and no other device gets it. A port a profile suggests to two devices of one kind (two Sonoff
 * sticks) is the one's whose clients used it last: zigbee2mqtt's network lives on that stick, and
 * which of the two discovery finds first can change from one boot to the next. Kept in a properties
 * file of device id to port, replaced whole on every change.
 */
final class AssignedPorts {

    private static final Logger LOG = LoggerFactory.getLogger(AssignedPorts.class);

    private final Path file;
    private final Map<String, Integer> ports = new TreeMap<>();
    private String unwritable = "";

    AssignedPorts(Path file) {
        this.file = file;
        Properties kept = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            kept.load(in);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("Automatic bridges: {} cannot be read ({}); devices without a port of their profile get new ones", file,
                    e.getMessage());
            return;
        }
        kept.forEach((id, value) -> {
            int port = 0;
            try {
                port = Integer.parseInt(((String) value).trim());
            } catch (NumberFormatException e) {
                // said below
            }
            if (port > 0 && port <= 65_535) {
                ports.put((String) id, port);
            } else {
                LOG.warn("Automatic bridges: {}: {} = {} is no TCP port; the device is given another", file, id, value);
            }
        });
    }

    /**
     * The device's port: the one it was given, or else the lowest from {@code first} on that no
     * device was given and {@code free} takes; 0 when none is left.
     */
    synchronized int portFor(String id, int first, IntPredicate free) {
        Integer given = ports.get(id);
        if (given != null) {
            return given;
        }
        for (int port = first; port <= 65_535; port++) {
            if (!ports.containsValue(port) && free.test(port)) {
                ports.put(id, port);
                LOG.info("Automatic bridges: {} gets port {}, which it keeps: its profile suggests none ({} says so)", id, port,
                        file);
                keep();
                return port;
            }
        }
        return 0;
    }

    /** The device the port is kept for, or null. */
    synchronized String holder(int port) {
        return ports.entrySet().stream().filter(e -> e.getValue() == port).map(Map.Entry::getKey).findFirst().orElse(null);
    }

    /** A client uses the device's bridge on this port: it is the device's from now on. */
    synchronized void served(String id, int port) {
        if (Integer.valueOf(port).equals(ports.get(id))) {
            return;
        }
        String before = holder(port);
        ports.values().removeIf(p -> p == port);
        ports.put(id, port);
        if (before != null) {
            LOG.info("Automatic bridges: port {} is {}'s from now on, whose clients use it, no longer {}'s ({})", port, id,
                    before, file);
        }
        keep();
    }

    private void keep() {
        Properties kept = new Properties();
        ports.forEach((id, port) -> kept.setProperty(id, Integer.toString(port)));
        try {
            Files.createDirectories(file.getParent());
            DurableFile.replace(file, out -> out.write(sorted(kept).getBytes(StandardCharsets.ISO_8859_1)));
            unwritable = "";
        } catch (IOException e) {
            if (!e.toString().equals(unwritable)) {
                unwritable = e.toString();
                LOG.warn("Automatic bridges: cannot write {} ({}); the ports given now hold until the next start only", file,
                        e.getMessage());
            }
        }
    }

    /**
     * The properties as {@link Properties#store} writes them (escaped to ASCII, one entry a line),
     * sorted by device id, as people read the file: Properties keeps no order.
     */
    private static String sorted(Properties kept) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        kept.store(out, "device id = TCP port of its automatic bridge");
        Map<Boolean, List<String>> lines = out.toString(StandardCharsets.ISO_8859_1).lines()
                .collect(Collectors.partitioningBy(l -> l.startsWith("#")));
        return Stream.concat(lines.get(true).stream(), lines.get(false).stream().sorted())
                .collect(Collectors.joining("\n", "", "\n"));
    }
}
