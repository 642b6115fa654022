package dev.outrigger.framework.net;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Where a TCP peer is, as people write it: {@code host}, {@code host:port} or {@code [v6 address]:port},
 * also with {@code tcp://} in front.
 *
 * @param host a name, an IPv4 address or a bracketed IPv6 one, as {@link java.net.InetAddress#getByName} takes it
 */
public record HostPort(String host, int port) {

    /** @throws IllegalArgumentException when the text is no host with an optional port */
    public static HostPort parse(String text, int defaultPort) {
        String t = text.trim();
        String hostAndPort = t.startsWith("tcp://") ? t.substring("tcp://".length()) : t;
        try {
            URI uri = new URI("tcp://" + hostAndPort);
            if (uri.getHost() == null || uri.getPort() > 65535 || !uri.getRawPath().isEmpty() || uri.getRawQuery() != null
                    || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
                throw new IllegalArgumentException(text + " is not host[:port]");
            }
            return new HostPort(uri.getHost(), uri.getPort() < 0 ? defaultPort : uri.getPort());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(text + " is not host[:port]", e);
        }
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
