package dev.outrigger.bridge;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The client addresses a bridge admits: addresses and networks ({@code 192.168.1.0/24},
 * {@code fd00::/8}), compared as addresses rather than as text, so that {@code ::1} admits
 * {@code 0:0:0:0:0:0:0:1}. Empty admits anyone. Names are not resolved: a DNS answer is no
 * proof of who connects.
 */
record AllowList(List<Network> networks) {

    static final AllowList ANYONE = new AllowList(List.of());

    private static final Pattern IPV4 = Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");

    record Network(byte[] address, int prefix) {

        boolean contains(InetAddress a) {
            byte[] other = a.getAddress();
            if (other.length != address.length) {
                return false;
            }
            for (int bit = 0; bit < prefix; bit++) {
                int mask = 0x80 >> (bit % 8);
                if ((other[bit / 8] & mask) != (address[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** @throws IllegalArgumentException naming the entry that is neither an address nor a network */
    static AllowList parse(List<String> entries) {
        List<Network> networks = new ArrayList<>();
        // a list in a file is one string to ConfigAdmin: commas separate there too
        for (String entry : entries.stream().flatMap(e -> Arrays.stream(e.split(","))).filter(e -> !e.isBlank()).toList()) {
            String e = entry.trim();
            int slash = e.indexOf('/');
            InetAddress address = literal(slash < 0 ? e : e.substring(0, slash), entry);
            int bits = address.getAddress().length * 8;
            int prefix = bits;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(e.substring(slash + 1));
                } catch (NumberFormatException notANumber) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > bits) {
                    throw new IllegalArgumentException(entry + " has no prefix length from 0 to " + bits);
                }
            }
            networks.add(new Network(address.getAddress(), prefix));
        }
        return new AllowList(List.copyOf(networks));
    }

    boolean admits(InetAddress peer) {
        return admitsAnyone() || networks.stream().anyMatch(n -> n.contains(peer));
    }

    boolean admitsAnyone() {
        return networks.isEmpty();
    }

    /** An IP address as written: never looked up (only a string with a colon or an IPv4 form is given to the JDK). */
    private static InetAddress literal(String text, String entry) {
        if (IPV4.matcher(text).matches() || text.contains(":")) {
            try {
                return InetAddress.getByName(text);
            } catch (UnknownHostException invalid) {
                // an IPv6 literal the JDK rejects, without asking DNS
            }
        }
        throw new IllegalArgumentException(entry + " is not an IP address or network (e.g. 192.168.1.20, 192.168.1.0/24, fd00::/8)");
    }
}
