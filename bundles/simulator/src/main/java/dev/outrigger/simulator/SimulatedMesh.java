package dev.outrigger.simulator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;

import dev.outrigger.meshtastic.proto.Channel;
import dev.outrigger.meshtastic.proto.ChannelSettings;
import dev.outrigger.meshtastic.proto.ClientNotification;
import dev.outrigger.meshtastic.proto.Config;
import dev.outrigger.meshtastic.proto.Data;
import dev.outrigger.meshtastic.proto.DeviceMetadata;
import dev.outrigger.meshtastic.proto.DeviceMetrics;
import dev.outrigger.meshtastic.proto.EnvironmentMetrics;
import dev.outrigger.meshtastic.proto.FromRadio;
import dev.outrigger.meshtastic.proto.LoRaConfig;
import dev.outrigger.meshtastic.proto.MeshPacket;
import dev.outrigger.meshtastic.proto.MyNodeInfo;
import dev.outrigger.meshtastic.proto.Neighbor;
import dev.outrigger.meshtastic.proto.NeighborInfo;
import dev.outrigger.meshtastic.proto.NodeInfo;
import dev.outrigger.meshtastic.proto.PortNum;
import dev.outrigger.meshtastic.proto.Position;
import dev.outrigger.meshtastic.proto.QueueStatus;
import dev.outrigger.meshtastic.proto.RouteDiscovery;
import dev.outrigger.meshtastic.proto.Routing;
import dev.outrigger.meshtastic.proto.Telemetry;
import dev.outrigger.meshtastic.proto.User;

/**
 * A small mesh around a simulated radio: the radio's own node and three others, who report
 * positions (moving a little), device and environment telemetry, text, and their neighbours, in turn.
 */
final class SimulatedMesh {

    /** PORTDUINO: the firmware's own hardware model for radios that are not a board. */
    private static final int HW_PORTDUINO = 37;
    private static final long BROADCAST = 0xffffffffL;

    /** The firmware's device roles the nodes below take. */
    private static final int CLIENT = 0;
    private static final int ROUTER = 2;
    private static final int TRACKER = 5;
    /** The firmware lets its client ask one traceroute in this time, and says so with a WARNING (its log level). */
    private static final long TRACEROUTE_SPACING_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final int WARNING = 30;

    record Node(long num, String longName, String shortName, int role, double latitude, double longitude, int altitude) {

        User user() {
            return User.newBuilder().setId(String.format(Locale.ROOT, "!%08x", num)).setLongName(longName).setShortName(shortName)
                    .setHwModel(HW_PORTDUINO).setRole(role).build();
        }
    }

    static final Node SELF = new Node(0x5a1a0001L, "Simulated (not real)", "SIM", CLIENT, 52.5200, 13.4050, 34);
    static final List<Node> OTHERS = List.of(new Node(0x5a1a0002L, "Shed", "SHED", CLIENT, 52.5230, 13.4110, 36),
            new Node(0x5a1a0003L, "Garage", "GRGE", ROUTER, 52.5185, 13.3990, 33),
            new Node(0x5a1a0004L, "Camper van", "VAN", TRACKER, 52.5302, 13.4201, 41));
    /** The garage relays for the camper van, which no other node reaches directly. */
    private static final Node RELAY = OTHERS.get(1);
    private static final Node OUT_OF_REACH = OTHERS.get(2);

    private final AtomicInteger turn = new AtomicInteger();
    private long lastTraceroute = System.nanoTime() - TRACEROUTE_SPACING_NANOS; // guarded by this
    /** The last packets heard, which a radio hands over again after a handshake: clients must record them once. */
    private final Deque<FromRadio> recent = new ArrayDeque<>();
    private static final int HANDED_OVER_AGAIN = 3;

    /** The answer to want_config_id: who the radio is, whom it knows, its settings, then the nonce. */
    List<FromRadio> configuration(int nonce) {
        List<FromRadio> all = new ArrayList<>();
        all.add(FromRadio.newBuilder().setMyInfo(MyNodeInfo.newBuilder().setMyNodeNum((int) SELF.num())).build());
        for (Node n : Stream.concat(Stream.of(SELF), OTHERS.stream()).toList()) {
            NodeInfo.Builder info = NodeInfo.newBuilder().setNum((int) n.num()).setUser(n.user()).setPosition(position(n))
                    .setLastHeard((int) now());
            if (n == SELF) {
                // the radio's own airtime, as a radio's own node entry carries it
                info.setDeviceMetrics(DeviceMetrics.newBuilder().setChannelUtilization(4.5f).setAirUtilTx(0.8f));
            }
            all.add(FromRadio.newBuilder().setNodeInfo(info).build());
        }
        all.add(FromRadio.newBuilder().setMetadata(DeviceMetadata.newBuilder().setFirmwareVersion("2.5.0-simulated")
                .setHwModel(HW_PORTDUINO)).build());
        all.add(FromRadio.newBuilder().setChannel(Channel.newBuilder().setIndex(0).setRole(Channel.Role.PRIMARY)
                .setSettings(ChannelSettings.newBuilder().setName("LongFast"))).build());
        all.add(FromRadio.newBuilder().setConfig(Config.newBuilder().setLora(LoRaConfig.newBuilder().setUsePreset(true)
                .setModemPreset(0).setRegion(3).setHopLimit(3).setTxEnabled(true))).build());
        all.add(FromRadio.newBuilder().setConfigCompleteId(nonce).build());
        return all;
    }

    /** What the radio hands over again after the configuration: the last packets heard. */
    synchronized List<FromRadio> again() {
        return List.copyOf(recent);
    }

    /** The next packet heard on the mesh, from the nodes in turn. */
    FromRadio next() {
        FromRadio packet = heard(turn.getAndIncrement());
        synchronized (this) {
            recent.addLast(packet);
            if (recent.size() > HANDED_OVER_AGAIN) {
                recent.removeFirst();
            }
        }
        return packet;
    }

    private static FromRadio heard(int t) {
        Node from = OTHERS.get(t % OTHERS.size());
        return switch ((t / OTHERS.size()) % 5) {
            case 0 -> heard(from, BROADCAST, PortNum.POSITION_APP, position(from));
            case 1 -> heard(from, BROADCAST, PortNum.TELEMETRY_APP, Telemetry.newBuilder().setTime((int) now())
                    .setDeviceMetrics(DeviceMetrics.newBuilder().setBatteryLevel(40 + t % 60).setVoltage(3.7f + (t % 5) / 10f)
                            .setChannelUtilization(4.5f).setAirUtilTx(0.8f).setUptimeSeconds(3600 + t)).build());
            case 2 -> heard(from, BROADCAST, PortNum.TELEMETRY_APP, Telemetry.newBuilder().setTime((int) now())
                    .setEnvironmentMetrics(EnvironmentMetrics.newBuilder().setTemperature(18.5f + t % 7)
                            .setRelativeHumidity(55f).setBarometricPressure(1013.2f)).build());
            case 3 -> heard(from, BROADCAST, PortNum.TEXT_MESSAGE_APP, ByteString.copyFrom(
                    ("Hello from " + from.longName() + " (simulated)").getBytes(StandardCharsets.UTF_8)));
            default -> heard(from, BROADCAST, PortNum.NEIGHBORINFO_APP, neighbors(from));
        };
    }

    /** Whom the node hears directly: every other node but the camper van, which only the garage reaches. */
    private static NeighborInfo neighbors(Node of) {
        NeighborInfo.Builder info = NeighborInfo.newBuilder().setNodeId((int) of.num()).setLastSentById((int) of.num())
                .setNodeBroadcastIntervalSecs(900);
        Stream.concat(Stream.of(SELF), OTHERS.stream()).filter(n -> n != of)
                .filter(n -> n != OUT_OF_REACH && of != OUT_OF_REACH || n == RELAY || of == RELAY)
                .forEach(n -> info.addNeighbors(Neighbor.newBuilder().setNodeId((int) n.num())
                        .setSnr(snrQuarters() / 4f)));
        return info.build();
    }

    /**
     * What the radio reports after a client sent a packet: queue status, then the acknowledgement,
     * or a traceroute's answer (the camper van is reached through the garage, a router; the others
     * directly; a node not in this mesh never answers).
     */
    List<FromRadio> sent(MeshPacket packet) {
        List<FromRadio> replies = new ArrayList<>();
        replies.add(FromRadio.newBuilder().setQueueStatus(QueueStatus.newBuilder().setRes(0).setFree(15).setMaxlen(16)
                .setMeshPacketId(packet.getId())).build());
        if (packet.getDecoded().getPortnum() == PortNum.TRACEROUTE_APP) {
            if (!tracerouteAllowed()) {
                replies.add(0, FromRadio.newBuilder().setClientNotification(ClientNotification.newBuilder().setReplyId(packet.getId())
                        .setLevel(WARNING).setMessage("TraceRoute can only be sent once every 30 seconds")).build());
                return replies;
            }
            OTHERS.stream().filter(n -> n.num() == (packet.getTo() & 0xffffffffL)).findFirst()
                    .ifPresent(asked -> replies.add(traceroute(asked, packet.getId())));
        }
        if (packet.getWantAck()) {
            long to = packet.getTo() & 0xffffffffL;
            boolean known = OTHERS.stream().anyMatch(n -> n.num() == to);
            // a broadcast is acknowledged implicitly by our own node hearing it rebroadcast
            Node acker = to == BROADCAST ? SELF : OTHERS.stream().filter(n -> n.num() == to).findFirst().orElse(SELF);
            Routing routing = known || to == BROADCAST ? Routing.newBuilder().setErrorReason(Routing.Error.NONE).build()
                    : Routing.newBuilder().setErrorReason(Routing.Error.NO_ROUTE).build();
            replies.add(FromRadio.newBuilder().setPacket(MeshPacket.newBuilder().setFrom((int) acker.num())
                    .setTo((int) SELF.num()).setId(ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE))
                    .setRxTime((int) now()).setDecoded(Data.newBuilder().setPortnum(PortNum.ROUTING_APP)
                            .setPayload(routing.toByteString()).setRequestId(packet.getId()))).build());
        }
        return replies;
    }

    /** As the firmware: one traceroute from its client every 30 s, refused with a notification. */
    private synchronized boolean tracerouteAllowed() {
        long now = System.nanoTime();
        if (now - lastTraceroute < TRACEROUTE_SPACING_NANOS) {
            return false;
        }
        lastTraceroute = now;
        return true;
    }

    private static FromRadio traceroute(Node asked, int requestId) {
        RouteDiscovery.Builder route = RouteDiscovery.newBuilder();
        if (asked == OUT_OF_REACH) {
            route.addRoute((int) RELAY.num()).addSnrTowards(snrQuarters()).addRouteBack((int) RELAY.num()).addSnrBack(snrQuarters());
        }
        route.addSnrTowards(snrQuarters()).addSnrBack(snrQuarters());
        FromRadio answer = heard(asked, SELF.num(), PortNum.TRACEROUTE_APP, route.build());
        MeshPacket packet = answer.getPacket();
        return answer.toBuilder().setPacket(packet.toBuilder().setDecoded(packet.getDecoded().toBuilder().setRequestId(requestId)))
                .build();
    }

    /** An SNR in quarters of a dB, as traceroutes carry it: -4.0 to 12.0 dB. */
    private static int snrQuarters() {
        return ThreadLocalRandom.current().nextInt(-16, 48);
    }

    private static FromRadio heard(Node from, long to, PortNum port, MessageLite payload) {
        return heard(from, to, port, payload.toByteString());
    }

    private static FromRadio heard(Node from, long to, PortNum port, ByteString payload) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        // -4.0 to 12.0 dB, never 0: a radio's 0 reads as "not measured" (proto3 keeps no presence for it)
        int snrTenths = random.nextInt(-40, 120);
        float snr = (snrTenths == 0 ? 1 : snrTenths) / 10f;
        return FromRadio.newBuilder().setPacket(MeshPacket.newBuilder().setFrom((int) from.num()).setTo((int) to)
                .setId(random.nextInt(1, Integer.MAX_VALUE)).setRxTime((int) now()).setRxSnr(snr)
                .setRxRssi(random.nextInt(-120, -60)).setHopStart(3).setHopLimit(random.nextInt(1, 4))
                .setDecoded(Data.newBuilder().setPortnum(port).setPayload(payload))).build();
    }

    private static Position position(Node n) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return Position.newBuilder().setLatitudeI((int) Math.round((n.latitude() + random.nextDouble(-1e-4, 1e-4)) * 1e7))
                .setLongitudeI((int) Math.round((n.longitude() + random.nextDouble(-1e-4, 1e-4)) * 1e7))
                .setAltitude(n.altitude()).setTime((int) now()).setSatsInView(9).setPrecisionBits(32).build();
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }
}
