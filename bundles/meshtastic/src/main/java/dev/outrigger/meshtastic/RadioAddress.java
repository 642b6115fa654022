package dev.outrigger.meshtastic;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

import dev.outrigger.framework.net.HostPort;

/**
 * Where a radio is: the path of its serial device, or the host and port of its TCP API, written
 * {@code host}, {@code host:port}, {@code [v6 address]:port}, each also with {@code tcp://} in front
 * (as Meshtastic's own clients and MQTT brokers are written).
 */
record RadioAddress(Optional<String> device, String host, int port) {

    static final int API_PORT = 4403;

    static RadioAddress parse(String address) {
        String a = address.trim();
        if (a.startsWith("/")) {
            return new RadioAddress(Optional.of(a), "", 0);
        }
        try {
            HostPort api = HostPort.parse(a, API_PORT);
            return new RadioAddress(Optional.empty(), api.host(), api.port());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(address + " is neither the path of a serial device (/dev/...) nor host[:port] "
                    + "of a radio's TCP API (e.g. 192.168.1.50:4403)", e);
        }
    }

    /**
     * Whether two addresses lead to one radio: the same host (in any case) and port however they are
     * written, or the same serial device by any of its names (a by-id link and its /dev path).
     */
    boolean sameRadio(RadioAddress other) {
        if (device.isPresent() || other.device.isPresent()) {
            return device.isPresent() && other.device.isPresent() && sameFile(device.get(), other.device.get());
        }
        return port == other.port && host.toLowerCase(Locale.ROOT).equals(other.host.toLowerCase(Locale.ROOT));
    }

    private static boolean sameFile(String a, String b) {
        try {
            return a.equals(b) || Files.isSameFile(Path.of(a), Path.of(b));
        } catch (IOException notThereYet) {
            return false;
        }
    }
}
