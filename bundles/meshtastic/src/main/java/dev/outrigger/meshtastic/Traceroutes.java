package dev.outrigger.meshtastic;

import java.util.ArrayList;
import java.util.List;

import dev.outrigger.mesh.MeshRadio.Hop;
import dev.outrigger.mesh.MeshRadio.Route;
import dev.outrigger.meshtastic.proto.MeshPacket;
import dev.outrigger.meshtastic.proto.RouteDiscovery;

/**
 * The hops a traceroute packet carries. Its lists hold only the nodes between the ends, each with
 * the SNR it was heard at in quarters of a dB: the request goes from the node that asks to the one
 * asked; the answer (a request id set) from the one asked back, with both ways.
 */
final class Traceroutes {

    /** The firmware's SNR of a hop not measured. */
    private static final int SNR_UNKNOWN = -128;

    private Traceroutes() {
    }

    /** Ends included; no way back in a request, nor in an answer from firmware before 2.3. */
    static Route route(MeshPacket packet, RouteDiscovery r) {
        boolean answer = packet.getDecoded().getRequestId() != 0;
        long asking = (answer ? packet.getTo() : packet.getFrom()) & 0xffffffffL;
        long asked = (answer ? packet.getFrom() : packet.getTo()) & 0xffffffffL;
        List<Hop> back = !answer || r.getRouteBackCount() == 0 && r.getSnrBackCount() == 0 ? List.of()
                : hops(asked, r.getRouteBackList(), r.getSnrBackList(), asking);
        return new Route(hops(asking, r.getRouteList(), r.getSnrTowardsList(), asked), back);
    }

    private static List<Hop> hops(long first, List<Integer> between, List<Integer> quarterDbs, long last) {
        List<Long> nums = new ArrayList<>();
        nums.add(first);
        between.forEach(n -> nums.add(n & 0xffffffffL));
        nums.add(last);
        List<Hop> hops = new ArrayList<>();
        for (int i = 0; i < nums.size(); i++) {
            Integer quarters = i > 0 && i - 1 < quarterDbs.size() ? quarterDbs.get(i - 1) : null;
            hops.add(new Hop(nums.get(i), quarters == null || quarters == SNR_UNKNOWN ? null : quarters / 4f));
        }
        return hops;
    }
}
