package dev.outrigger.kube;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.Collections;
import java.util.Comparator;
import java.util.Optional;

/**
 * Node mode: the address the gateway is reached at, for its Node's InternalIP and the Services of
 * its bridges. It is the one it reaches the API server from, so asked again on every report: a
 * gateway in a vehicle moves between networks (home Wi-Fi, a phone's hotspot), and a new lease
 * brings a new address.
 */
final class GatewayAddress {

    private GatewayAddress() {
    }

    /**
     * The source address of the route to the API server, as the kernel picks it (a connected
     * datagram socket sends nothing); an interface's address where that is none, or loopback (an
     * API server on this host, as a k3s server's own kubeconfig names it).
     */
    static String toward(String host, int port) {
        try (DatagramSocket probe = new DatagramSocket()) {
            probe.connect(InetAddress.getByName(host), port);
            InetAddress local = probe.getLocalAddress();
            if (!local.isAnyLocalAddress() && !local.isLoopbackAddress()) {
                return local.getHostAddress();
            }
        } catch (IOException | UncheckedIOException | IllegalArgumentException noRouteYet) {
            // the network not up, the name not resolved: an interface's address until it is
        }
        return ofAnInterface().orElse("127.0.0.1");
    }

    /** The first address of an interface that is up and not loopback, IPv4 before IPv6. */
    static Optional<String> ofAnInterface() {
        try {
            return Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                    .filter(GatewayAddress::usable)
                    .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                    .filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                    .min(Comparator.comparing(a -> a instanceof Inet4Address ? 0 : 1))
                    .map(InetAddress::getHostAddress);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean usable(NetworkInterface i) {
        try {
            return i.isUp() && !i.isLoopback();
        } catch (IOException e) {
            return false;
        }
    }
}
