package dev.outrigger.meshtastic;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

import dev.outrigger.mesh.MeshRadio.MeshNode;
import dev.outrigger.meshtastic.proto.DeviceMetrics;
import dev.outrigger.meshtastic.proto.MeshPacket;
import dev.outrigger.meshtastic.proto.NodeInfo;
import dev.outrigger.meshtastic.proto.Position;
import dev.outrigger.meshtastic.proto.User;

/** Every node heard, from the radio's own node database at the handshake and from packets since. */
final class NodeTable {

    /** At most this many nodes are kept (the least recently heard go first): a mesh can be large. */
    static final int MAX_NODES = 1000;

    private final Map<Long, MeshNode> nodes = new ConcurrentHashMap<>();

    void clear() {
        nodes.clear();
    }

    MeshNode get(long num) {
        return nodes.get(num);
    }

    /** @return the node's long name, "" while it is not known */
    String longName(long num) {
        MeshNode node = nodes.get(num);
        return node == null ? "" : node.longName();
    }

    List<MeshNode> all() {
        List<MeshNode> all = new ArrayList<>(nodes.values());
        all.sort(Comparator.comparingLong(MeshNode::lastHeard).reversed());
        return all;
    }

    void nodeInfo(NodeInfo info) {
        update(info.getNum() & 0xffffffffL, n -> {
            MeshNode m = info.hasUser() ? user(n, info.getUser()) : n;
            m = info.hasPosition() ? position(m, info.getPosition()) : m;
            m = info.hasDeviceMetrics() ? metrics(m, info.getDeviceMetrics()) : m;
            return new MeshNode(m.num(), m.id(), m.longName(), m.shortName(), m.hardware(), m.role(),
                    Math.max(m.lastHeard(), info.getLastHeard() & 0xffffffffL),
                    info.getSnr() != 0 ? (Float) info.getSnr() : m.snr(), m.rssi(),
                    info.hasHopsAway() ? (Integer) info.getHopsAway() : m.hopsAway(), m.batteryLevel(), m.voltage(),
                    m.latitude(), m.longitude(), m.altitude());
        });
    }

    /** Any packet: when and how well the sender was heard. */
    void heard(MeshPacket p, long nowSeconds) {
        update(p.getFrom() & 0xffffffffL, m -> new MeshNode(m.num(), m.id(), m.longName(), m.shortName(), m.hardware(),
                m.role(), p.getRxTime() != 0 ? p.getRxTime() & 0xffffffffL : nowSeconds,
                p.getRxSnr() != 0 ? (Float) p.getRxSnr() : m.snr(), p.getRxRssi() != 0 ? (Integer) p.getRxRssi() : m.rssi(),
                p.getHopStart() != 0 ? (Integer) Math.max(0, p.getHopStart() - p.getHopLimit()) : m.hopsAway(),
                m.batteryLevel(), m.voltage(), m.latitude(), m.longitude(), m.altitude()));
    }

    void user(long num, User user) {
        update(num, n -> user(n, user));
    }

    void position(long num, Position position) {
        update(num, n -> position(n, position));
    }

    void metrics(long num, DeviceMetrics metrics) {
        update(num, n -> metrics(n, metrics));
    }

    private void update(long num, UnaryOperator<MeshNode> change) {
        nodes.compute(num, (k, old) -> change.apply(old != null ? old
                : new MeshNode(num, MeshNode.id(num), "", "", "", "", 0, null, null, null, null, null, null, null, null)));
        if (nodes.size() > MAX_NODES) {
            all().stream().skip(MAX_NODES).forEach(n -> nodes.remove(n.num()));
        }
    }

    private static MeshNode user(MeshNode m, User u) {
        return new MeshNode(m.num(), m.id(), u.getLongName(), u.getShortName(), Names.hardware(u.getHwModel()),
                Names.role(u.getRole()), m.lastHeard(), m.snr(), m.rssi(), m.hopsAway(), m.batteryLevel(), m.voltage(),
                m.latitude(), m.longitude(), m.altitude());
    }

    private static MeshNode position(MeshNode m, Position p) {
        if (!p.hasLatitudeI() || !p.hasLongitudeI()) {
            return m;
        }
        return new MeshNode(m.num(), m.id(), m.longName(), m.shortName(), m.hardware(), m.role(), m.lastHeard(), m.snr(),
                m.rssi(), m.hopsAway(), m.batteryLevel(), m.voltage(), p.getLatitudeI() * 1e-7, p.getLongitudeI() * 1e-7,
                p.hasAltitude() ? (Integer) p.getAltitude() : m.altitude());
    }

    private static MeshNode metrics(MeshNode m, DeviceMetrics d) {
        return new MeshNode(m.num(), m.id(), m.longName(), m.shortName(), m.hardware(), m.role(), m.lastHeard(), m.snr(),
                m.rssi(), m.hopsAway(), d.hasBatteryLevel() ? (Integer) d.getBatteryLevel() : m.batteryLevel(),
                d.hasVoltage() ? (Float) d.getVoltage() : m.voltage(), m.latitude(), m.longitude(), m.altitude());
    }
}
