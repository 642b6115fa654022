package dev.outrigger.meshtastic;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.function.LongFunction;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;

import dev.outrigger.mesh.MeshRadio.Hop;
import dev.outrigger.mesh.MeshRadio.MeshNode;
import dev.outrigger.mesh.MeshRadio.Route;
import dev.outrigger.meshtastic.proto.AirQualityMetrics;
import dev.outrigger.meshtastic.proto.Data;
import dev.outrigger.meshtastic.proto.DeviceMetrics;
import dev.outrigger.meshtastic.proto.EnvironmentMetrics;
import dev.outrigger.meshtastic.proto.HardwareMessage;
import dev.outrigger.meshtastic.proto.HealthMetrics;
import dev.outrigger.meshtastic.proto.HostMetrics;
import dev.outrigger.meshtastic.proto.LocalStats;
import dev.outrigger.meshtastic.proto.MeshPacket;
import dev.outrigger.meshtastic.proto.Neighbor;
import dev.outrigger.meshtastic.proto.NeighborInfo;
import dev.outrigger.meshtastic.proto.Paxcount;
import dev.outrigger.meshtastic.proto.PortNum;
import dev.outrigger.meshtastic.proto.Position;
import dev.outrigger.meshtastic.proto.PowerMetrics;
import dev.outrigger.meshtastic.proto.RouteDiscovery;
import dev.outrigger.meshtastic.proto.Routing;
import dev.outrigger.meshtastic.proto.Telemetry;
import dev.outrigger.meshtastic.proto.User;
import dev.outrigger.meshtastic.proto.Waypoint;
import dev.outrigger.outbox.OutboxRecord;

/**
 * A mesh packet as an outbox record on {@code mesh/<!nodeId>/<type>}, in the JSON of the
 * firmware's own MQTT JSON output ({@code id, timestamp, from, to, channel, type, sender,
 * payload, rssi, snr, hops_away, hop_start}), so existing Meshtastic JSON consumers read it: the
 * ports it decodes are decoded the same way, with the same names (and fields the firmware leaves
 * out, under their protobuf names). Packets of other ports keep their port number and raw payload.
 * Written with Jackson's streaming generator: this runs for every packet heard.
 */
final class PacketRecords {

    private static final JsonFactory JSON = new JsonFactory();

    /** Writes the payload object's fields. */
    private interface Payload {
        void write(JsonGenerator json) throws IOException;
    }

    private record Decoded(String type, Payload payload) {
    }

    private PacketRecords() {
    }

    /**
     * @param sender the receiving radio's own node id, as the firmware fills it in
     * @param longNames a node's long name, or "" while it is unknown: a traceroute names its hops
     */
    static OutboxRecord record(MeshPacket packet, String sender, LongFunction<String> longNames, long nowSeconds) {
        Decoded decoded = packet.hasDecoded() ? decode(packet, longNames)
                : new Decoded("encrypted", json -> json.writeBinaryField("raw", packet.getEncrypted().toByteArray()));
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeNumberField("id", packet.getId() & 0xffffffffL);
            json.writeNumberField("timestamp", packet.getRxTime() != 0 ? packet.getRxTime() & 0xffffffffL : nowSeconds);
            json.writeNumberField("from", packet.getFrom() & 0xffffffffL);
            json.writeNumberField("to", packet.getTo() & 0xffffffffL);
            json.writeNumberField("channel", packet.getChannel());
            json.writeStringField("type", decoded.type());
            json.writeStringField("sender", sender);
            json.writeObjectFieldStart("payload");
            decoded.payload().write(json);
            json.writeEndObject();
            if (packet.getRxRssi() != 0) {
                json.writeNumberField("rssi", packet.getRxRssi());
            }
            if (packet.getRxSnr() != 0 && Float.isFinite(packet.getRxSnr())) {
                json.writeNumberField("snr", packet.getRxSnr());
            }
            if (packet.getHopStart() != 0) {
                json.writeNumberField("hops_away", Math.max(0, packet.getHopStart() - packet.getHopLimit()));
                json.writeNumberField("hop_start", packet.getHopStart());
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return OutboxRecord.of("mesh/" + MeshNode.id(packet.getFrom()) + "/" + decoded.type(), out.toByteArray());
    }

    /**
     * A node as the node table has it now, retained on {@code mesh/<!nodeId>/node}: what a dashboard
     * (or a new subscriber) wants without assembling it from packets. Fields never heard are left out.
     *
     * @param sender the receiving radio's own node id
     */
    static OutboxRecord node(MeshNode n, String sender) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("id", n.id());
            json.writeNumberField("num", n.num());
            text(json, "long_name", n.longName());
            text(json, "short_name", n.shortName());
            text(json, "hardware", n.hardware());
            text(json, "role", n.role());
            if (n.lastHeard() != 0) {
                json.writeNumberField("last_heard", n.lastHeard());
            }
            if (n.snr() != null) {
                json.writeNumberField("snr", n.snr());
            }
            if (n.rssi() != null) {
                json.writeNumberField("rssi", n.rssi());
            }
            if (n.hopsAway() != null) {
                json.writeNumberField("hops_away", n.hopsAway());
            }
            if (n.batteryLevel() != null) {
                json.writeNumberField("battery_level", n.batteryLevel());
            }
            if (n.voltage() != null && Float.isFinite(n.voltage())) {
                json.writeNumberField("voltage", n.voltage());
            }
            if (n.latitude() != null) {
                // to the 1e-7 degrees the radio tells: no 52.522974299999994
                json.writeNumberField("latitude", Math.round(n.latitude() * 1e7) / 1e7);
                json.writeNumberField("longitude", Math.round(n.longitude() * 1e7) / 1e7);
            }
            if (n.altitude() != null) {
                json.writeNumberField("altitude", n.altitude());
            }
            json.writeStringField("sender", sender);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new OutboxRecord("mesh/" + n.id() + "/node", out.toByteArray(), 1, true, System.currentTimeMillis());
    }

    private static void text(JsonGenerator json, String name, String value) throws IOException {
        if (!value.isEmpty()) {
            json.writeStringField(name, value);
        }
    }

    private static Decoded decode(MeshPacket packet, LongFunction<String> longNames) {
        Data data = packet.getDecoded();
        try {
            return switch (data.getPortnum()) {
                case TEXT_MESSAGE_APP -> new Decoded("text", text(data.getPayload()));
                case DETECTION_SENSOR_APP -> new Decoded("detection",
                        json -> json.writeStringField("text", data.getPayload().toString(StandardCharsets.UTF_8)));
                case POSITION_APP -> {
                    Position p = Position.parseFrom(data.getPayload());
                    yield new Decoded("position", json -> position(p, json));
                }
                case NODEINFO_APP -> {
                    User user = User.parseFrom(data.getPayload());
                    yield new Decoded("nodeinfo", json -> {
                        json.writeStringField("id", user.getId());
                        json.writeStringField("longname", user.getLongName());
                        json.writeStringField("shortname", user.getShortName());
                        json.writeNumberField("hardware", user.getHwModel());
                        json.writeNumberField("role", user.getRole());
                    });
                }
                case TELEMETRY_APP -> {
                    Telemetry t = Telemetry.parseFrom(data.getPayload());
                    yield new Decoded("telemetry", json -> telemetry(t, json));
                }
                case ROUTING_APP -> {
                    Routing routing = Routing.parseFrom(data.getPayload());
                    yield new Decoded("routing", json -> {
                        json.writeStringField("error_reason", routing.getErrorReason().name());
                        json.writeNumberField("request_id", data.getRequestId() & 0xffffffffL);
                    });
                }
                case WAYPOINT_APP -> {
                    Waypoint w = Waypoint.parseFrom(data.getPayload());
                    yield new Decoded("waypoint", json -> waypoint(w, json));
                }
                case NEIGHBORINFO_APP -> {
                    NeighborInfo n = NeighborInfo.parseFrom(data.getPayload());
                    yield new Decoded("neighborinfo", json -> neighbors(n, json));
                }
                case TRACEROUTE_APP -> {
                    RouteDiscovery r = RouteDiscovery.parseFrom(data.getPayload());
                    yield new Decoded("traceroute", json -> traceroute(packet, r, longNames, json));
                }
                case PAXCOUNTER_APP -> {
                    Paxcount pax = Paxcount.parseFrom(data.getPayload());
                    yield new Decoded("paxcounter", json -> {
                        json.writeNumberField("wifi_count", pax.getWifi());
                        json.writeNumberField("ble_count", pax.getBle());
                        json.writeNumberField("uptime", pax.getUptime());
                    });
                }
                case REMOTE_HARDWARE_APP -> gpios(data);
                default -> raw(data, null);
            };
        } catch (InvalidProtocolBufferException e) {
            // a payload its port cannot parse is still a record: raw, with why
            return raw(data, "undecodable: " + e.getMessage());
        }
    }

    /**
     * Text, or, where the text is a JSON object (a sensor script's reading sent as text), that object
     * as the payload, as the firmware does.
     */
    private static Payload text(ByteString payload) {
        String text = payload.toString(StandardCharsets.UTF_8);
        if (!isJsonObject(text)) {
            return json -> json.writeStringField("text", text);
        }
        return json -> {
            try (JsonParser parser = JSON.createParser(text)) {
                parser.nextToken();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    json.writeFieldName(parser.currentName());
                    parser.nextToken();
                    json.copyCurrentStructure(parser);
                }
            }
        };
    }

    private static boolean isJsonObject(String text) {
        if (!text.startsWith("{")) {
            return false;
        }
        try (JsonParser parser = JSON.createParser(text)) {
            parser.nextToken();
            parser.skipChildren();
            return parser.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }

    /** The replies of remote hardware the firmware decodes; its requests stay raw. */
    private static Decoded gpios(Data data) throws InvalidProtocolBufferException {
        HardwareMessage m = HardwareMessage.parseFrom(data.getPayload());
        return switch (m.getType()) {
            case GPIOS_CHANGED -> new Decoded("gpios_changed", json -> unsigned(json, "gpio_value", m.getGpioValue()));
            case READ_GPIOS_REPLY -> new Decoded("gpios_read_reply", json -> {
                unsigned(json, "gpio_value", m.getGpioValue());
                unsigned(json, "gpio_mask", m.getGpioMask());
            });
            default -> raw(data, null);
        };
    }

    private static void waypoint(Waypoint w, JsonGenerator json) throws IOException {
        json.writeNumberField("id", w.getId() & 0xffffffffL);
        json.writeStringField("name", w.getName());
        json.writeStringField("description", w.getDescription());
        json.writeNumberField("expire", w.getExpire() & 0xffffffffL);
        json.writeNumberField("locked_to", w.getLockedTo() & 0xffffffffL);
        if (w.hasLatitudeI()) {
            json.writeNumberField("latitude_i", w.getLatitudeI());
        }
        if (w.hasLongitudeI()) {
            json.writeNumberField("longitude_i", w.getLongitudeI());
        }
        if (w.getIcon() != 0) {
            json.writeNumberField("icon", w.getIcon() & 0xffffffffL);
        }
    }

    private static void neighbors(NeighborInfo n, JsonGenerator json) throws IOException {
        json.writeNumberField("node_id", n.getNodeId() & 0xffffffffL);
        json.writeNumberField("node_broadcast_interval_secs", n.getNodeBroadcastIntervalSecs());
        json.writeNumberField("last_sent_by_id", n.getLastSentById() & 0xffffffffL);
        json.writeNumberField("neighbors_count", n.getNeighborsCount());
        json.writeArrayFieldStart("neighbors");
        for (Neighbor neighbor : n.getNeighborsList()) {
            json.writeStartObject();
            json.writeNumberField("node_id", neighbor.getNodeId() & 0xffffffffL);
            json.writeNumberField("snr", (int) neighbor.getSnr());
            json.writeEndObject();
        }
        json.writeEndArray();
    }

    /**
     * The hops from the node that asked to the one asked ({@code route}) and, in the answer, back
     * ({@code route_back}), ends included, by long name ("Unknown" while a node's is) as the firmware
     * writes them, and by node id ({@code route_ids}, {@code route_back_ids}), since names need not be
     * unique; the SNR of each hop in dB, as the firmware writes them too.
     */
    private static void traceroute(MeshPacket packet, RouteDiscovery r, LongFunction<String> longNames, JsonGenerator json)
            throws IOException {
        boolean answer = packet.getDecoded().getRequestId() != 0;
        Route route = Traceroutes.route(packet, r);
        route(json, "route", route.towards(), longNames);
        if (answer) {
            // from firmware before 2.3 no way back: its ends, as the firmware writes them
            List<Hop> towards = route.towards();
            route(json, "route_back", !route.back().isEmpty() ? route.back()
                    : List.of(towards.get(towards.size() - 1), towards.get(0)), longNames);
        }
        snrs(json, "snr_towards", r.getSnrTowardsList());
        if (answer) {
            snrs(json, "snr_back", r.getSnrBackList());
        }
    }

    private static void route(JsonGenerator json, String name, List<Hop> hops, LongFunction<String> longNames) throws IOException {
        json.writeArrayFieldStart(name);
        for (Hop hop : hops) {
            String longName = longNames.apply(hop.num());
            json.writeString(longName == null || longName.isEmpty() ? "Unknown" : longName);
        }
        json.writeEndArray();
        json.writeArrayFieldStart(name + "_ids");
        for (Hop hop : hops) {
            json.writeString(MeshNode.id(hop.num()));
        }
        json.writeEndArray();
    }

    private static void snrs(JsonGenerator json, String name, List<Integer> quarterDbs) throws IOException {
        json.writeArrayFieldStart(name);
        for (int quarters : quarterDbs) {
            json.writeNumber(quarters / 4f);
        }
        json.writeEndArray();
    }

    private static Decoded raw(Data data, String error) {
        PortNum port = data.getPortnum();
        String type = port == PortNum.UNRECOGNIZED ? "port" + data.getPortnumValue()
                : port.name().replaceFirst("_APP$", "").replace("_", "").toLowerCase(Locale.ROOT);
        return new Decoded(type, json -> {
            json.writeNumberField("portnum", data.getPortnumValue());
            json.writeBinaryField("raw", data.getPayload().toByteArray());
            if (error != null) {
                json.writeStringField("error", error);
            }
        });
    }

    private static void position(Position p, JsonGenerator json) throws IOException {
        if (p.hasLatitudeI()) {
            json.writeNumberField("latitude_i", p.getLatitudeI());
        }
        if (p.hasLongitudeI()) {
            json.writeNumberField("longitude_i", p.getLongitudeI());
        }
        if (p.hasAltitude()) {
            json.writeNumberField("altitude", p.getAltitude());
        }
        if (p.getTime() != 0) {
            json.writeNumberField("time", p.getTime() & 0xffffffffL);
        }
        if (p.getTimestamp() != 0) {
            json.writeNumberField("timestamp", p.getTimestamp() & 0xffffffffL);
        }
        nonZero(json, "PDOP", p.getPDOP());
        nonZero(json, "HDOP", p.getHDOP());
        nonZero(json, "VDOP", p.getVDOP());
        nonZero(json, "precision_bits", p.getPrecisionBits());
        nonZero(json, "sats_in_view", p.getSatsInView());
        if (p.hasGroundSpeed()) {
            json.writeNumberField("ground_speed", p.getGroundSpeed());
        }
        if (p.hasGroundTrack()) {
            json.writeNumberField("ground_track", p.getGroundTrack());
        }
    }

    /**
     * Present metrics only: proto3 optional keeps "not measured" apart from zero. A sensor that failed
     * its reading sends NaN, which JSON has no number for: left out too, not written as a string.
     */
    private static void telemetry(Telemetry t, JsonGenerator json) throws IOException {
        switch (t.getVariantCase()) {
            case DEVICE_METRICS -> {
                DeviceMetrics m = t.getDeviceMetrics();
                field(json, "battery_level", m.hasBatteryLevel(), m.getBatteryLevel());
                field(json, "voltage", m.hasVoltage(), m.getVoltage());
                field(json, "channel_utilization", m.hasChannelUtilization(), m.getChannelUtilization());
                field(json, "air_util_tx", m.hasAirUtilTx(), m.getAirUtilTx());
                field(json, "uptime_seconds", m.hasUptimeSeconds(), m.getUptimeSeconds());
            }
            case ENVIRONMENT_METRICS -> {
                EnvironmentMetrics m = t.getEnvironmentMetrics();
                field(json, "temperature", m.hasTemperature(), m.getTemperature());
                field(json, "relative_humidity", m.hasRelativeHumidity(), m.getRelativeHumidity());
                field(json, "barometric_pressure", m.hasBarometricPressure(), m.getBarometricPressure());
                field(json, "gas_resistance", m.hasGasResistance(), m.getGasResistance());
                field(json, "voltage", m.hasVoltage(), m.getVoltage());
                field(json, "current", m.hasCurrent(), m.getCurrent());
                field(json, "iaq", m.hasIaq(), m.getIaq());
                field(json, "distance", m.hasDistance(), m.getDistance());
                field(json, "lux", m.hasLux(), m.getLux());
                field(json, "white_lux", m.hasWhiteLux(), m.getWhiteLux());
                field(json, "ir_lux", m.hasIrLux(), m.getIrLux());
                field(json, "uv_lux", m.hasUvLux(), m.getUvLux());
                field(json, "wind_direction", m.hasWindDirection(), m.getWindDirection());
                field(json, "wind_speed", m.hasWindSpeed(), m.getWindSpeed());
                field(json, "weight", m.hasWeight(), m.getWeight());
                field(json, "wind_gust", m.hasWindGust(), m.getWindGust());
                field(json, "wind_lull", m.hasWindLull(), m.getWindLull());
                field(json, "radiation", m.hasRadiation(), m.getRadiation());
                field(json, "rainfall_1h", m.hasRainfall1H(), m.getRainfall1H());
                field(json, "rainfall_24h", m.hasRainfall24H(), m.getRainfall24H());
                field(json, "soil_moisture", m.hasSoilMoisture(), m.getSoilMoisture());
                field(json, "soil_temperature", m.hasSoilTemperature(), m.getSoilTemperature());
            }
            case POWER_METRICS -> {
                PowerMetrics m = t.getPowerMetrics();
                field(json, "voltage_ch1", m.hasCh1Voltage(), m.getCh1Voltage());
                field(json, "current_ch1", m.hasCh1Current(), m.getCh1Current());
                field(json, "voltage_ch2", m.hasCh2Voltage(), m.getCh2Voltage());
                field(json, "current_ch2", m.hasCh2Current(), m.getCh2Current());
                field(json, "voltage_ch3", m.hasCh3Voltage(), m.getCh3Voltage());
                field(json, "current_ch3", m.hasCh3Current(), m.getCh3Current());
            }
            case AIR_QUALITY_METRICS -> {
                AirQualityMetrics m = t.getAirQualityMetrics();
                field(json, "pm10", m.hasPm10Standard(), m.getPm10Standard());
                field(json, "pm25", m.hasPm25Standard(), m.getPm25Standard());
                field(json, "pm100", m.hasPm100Standard(), m.getPm100Standard());
                field(json, "pm10_e", m.hasPm10Environmental(), m.getPm10Environmental());
                field(json, "pm25_e", m.hasPm25Environmental(), m.getPm25Environmental());
                field(json, "pm100_e", m.hasPm100Environmental(), m.getPm100Environmental());
                field(json, "co2", m.hasCo2(), m.getCo2());
            }
            case LOCAL_STATS -> localStats(t.getLocalStats(), json);
            case HEALTH_METRICS -> {
                HealthMetrics m = t.getHealthMetrics();
                field(json, "heart_bpm", m.hasHeartBpm(), m.getHeartBpm());
                field(json, "spO2", m.hasSpO2(), m.getSpO2());
                field(json, "temperature", m.hasTemperature(), m.getTemperature());
            }
            case HOST_METRICS -> hostMetrics(t.getHostMetrics(), json);
            default -> json.writeStringField("variant", "unknown");
        }
    }

    /** What the receiving radio counts itself (sent to its client only, never over the mesh). */
    private static void localStats(LocalStats m, JsonGenerator json) throws IOException {
        json.writeNumberField("uptime_seconds", m.getUptimeSeconds() & 0xffffffffL);
        field(json, "channel_utilization", true, m.getChannelUtilization());
        field(json, "air_util_tx", true, m.getAirUtilTx());
        json.writeNumberField("num_packets_tx", m.getNumPacketsTx() & 0xffffffffL);
        json.writeNumberField("num_packets_rx", m.getNumPacketsRx() & 0xffffffffL);
        json.writeNumberField("num_packets_rx_bad", m.getNumPacketsRxBad() & 0xffffffffL);
        json.writeNumberField("num_online_nodes", m.getNumOnlineNodes() & 0xffffffffL);
        json.writeNumberField("num_total_nodes", m.getNumTotalNodes() & 0xffffffffL);
        json.writeNumberField("num_rx_dupe", m.getNumRxDupe() & 0xffffffffL);
        json.writeNumberField("num_tx_relay", m.getNumTxRelay() & 0xffffffffL);
        json.writeNumberField("num_tx_relay_canceled", m.getNumTxRelayCanceled() & 0xffffffffL);
        json.writeNumberField("num_tx_dropped", m.getNumTxDropped() & 0xffffffffL);
        nonZero(json, "heap_total_bytes", m.getHeapTotalBytes());
        nonZero(json, "heap_free_bytes", m.getHeapFreeBytes());
        nonZero(json, "noise_floor", m.getNoiseFloor());
    }

    /** A Linux node's (meshtasticd's) host; uint64 counts as unsigned. */
    private static void hostMetrics(HostMetrics m, JsonGenerator json) throws IOException {
        json.writeNumberField("uptime_seconds", m.getUptimeSeconds() & 0xffffffffL);
        unsigned(json, "freemem_bytes", m.getFreememBytes());
        unsigned(json, "diskfree1_bytes", m.getDiskfree1Bytes());
        if (m.hasDiskfree2Bytes()) {
            unsigned(json, "diskfree2_bytes", m.getDiskfree2Bytes());
        }
        if (m.hasDiskfree3Bytes()) {
            unsigned(json, "diskfree3_bytes", m.getDiskfree3Bytes());
        }
        json.writeNumberField("load1", m.getLoad1() & 0xffffffffL);
        json.writeNumberField("load5", m.getLoad5() & 0xffffffffL);
        json.writeNumberField("load15", m.getLoad15() & 0xffffffffL);
        if (m.hasUserString()) {
            json.writeStringField("user_string", m.getUserString());
        }
    }

    /** A protobuf uint64, which Java holds in a signed long. */
    private static void unsigned(JsonGenerator json, String name, long value) throws IOException {
        json.writeFieldName(name);
        json.writeNumber(value >= 0 ? BigInteger.valueOf(value) : new BigInteger(Long.toUnsignedString(value)));
    }

    private static void nonZero(JsonGenerator json, String name, int value) throws IOException {
        if (value != 0) {
            json.writeNumberField(name, value);
        }
    }

    private static void field(JsonGenerator json, String name, boolean present, float value) throws IOException {
        if (present && Float.isFinite(value)) {
            json.writeNumberField(name, value);
        }
    }

    private static void field(JsonGenerator json, String name, boolean present, int value) throws IOException {
        if (present) {
            json.writeNumberField(name, value);
        }
    }
}
