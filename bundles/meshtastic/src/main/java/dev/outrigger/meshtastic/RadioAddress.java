package dev.outrigger.meshtastic;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;

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
        String hostAndPort = a.startsWith("tcp://") ? a.substring("tcp://".length()) : a;
        try {
            URI uri = new URI("tcp://" + hostAndPort);
            if (uri.getHost() == null || uri.getPort() > 65535 || !uri.getRawPath().isEmpty() || uri.getRawQuery() != null
                    || uri.getRawUserInfo() != null) {
                throw new URISyntaxException(hostAndPort, "not host[:port]");
            }
            return new RadioAddress(Optional.empty(), uri.getHost(), uri.getPort() < 0 ? API_PORT : uri.getPort());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(address + " is neither the path of a serial device (/dev/...) nor host[:port] "
                    + "of a radio's TCP API (e.g. 192.168.1.50:4403)", e);
        }
    }
}
