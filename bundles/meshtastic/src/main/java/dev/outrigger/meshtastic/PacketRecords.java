package dev.outrigger.meshtastic;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.apache.felix.utils.json.JSONWriter;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.outrigger.mesh.MeshRadio.MeshNode;
import dev.outrigger.meshtastic.proto.AirQualityMetrics;
import dev.outrigger.meshtastic.proto.Data;
import dev.outrigger.meshtastic.proto.DeviceMetrics;
import dev.outrigger.meshtastic.proto.EnvironmentMetrics;
import dev.outrigger.meshtastic.proto.MeshPacket;
import dev.outrigger.meshtastic.proto.PortNum;
import dev.outrigger.meshtastic.proto.Position;
import dev.outrigger.meshtastic.proto.PowerMetrics;
import dev.outrigger.meshtastic.proto.Routing;
import dev.outrigger.meshtastic.proto.Telemetry;
import dev.outrigger.meshtastic.proto.User;
import dev.outrigger.outbox.OutboxRecord;

/**
 * A mesh packet as an outbox record on {@code mesh/<!nodeId>/<type>}, in the JSON of the
 * firmware's own MQTT JSON output ({@code id, timestamp, from, to, channel, type, sender,
 * payload, rssi, snr, hops_away, hop_start}), so existing Meshtastic JSON consumers read it.
 * Packets of other ports keep their port number and raw payload.
 */
final class PacketRecords {

    private PacketRecords() {
    }

    /** @param sender the receiving radio's own node id, as the firmware fills it in */
    static OutboxRecord record(MeshPacket packet, String sender, long nowSeconds) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", packet.getId() & 0xffffffffL);
        json.put("timestamp", packet.getRxTime() != 0 ? packet.getRxTime() & 0xffffffffL : nowSeconds);
        json.put("from", packet.getFrom() & 0xffffffffL);
        json.put("to", packet.getTo() & 0xffffffffL);
        json.put("channel", packet.getChannel());
        Map<String, Object> payload = new LinkedHashMap<>();
        String type = packet.hasDecoded() ? decode(packet.getDecoded(), payload) : encrypted(packet, payload);
        json.put("type", type);
        json.put("sender", sender);
        json.put("payload", payload);
        if (packet.getRxRssi() != 0) {
            json.put("rssi", packet.getRxRssi());
        }
        if (packet.getRxSnr() != 0) {
            json.put("snr", decimal(packet.getRxSnr()));
        }
        if (packet.getHopStart() != 0) {
            json.put("hops_away", Math.max(0, packet.getHopStart() - packet.getHopLimit()));
            json.put("hop_start", packet.getHopStart());
        }
        return OutboxRecord.of("mesh/" + MeshNode.id(packet.getFrom()) + "/" + type, json(json));
    }

    /** Fills the payload; returns the type. */
    private static String decode(Data data, Map<String, Object> payload) {
        try {
            switch (data.getPortnum()) {
                case TEXT_MESSAGE_APP -> {
                    payload.put("text", data.getPayload().toString(StandardCharsets.UTF_8));
                    return "text";
                }
                case POSITION_APP -> {
                    position(Position.parseFrom(data.getPayload()), payload);
                    return "position";
                }
                case NODEINFO_APP -> {
                    User user = User.parseFrom(data.getPayload());
                    payload.put("id", user.getId());
                    payload.put("longname", user.getLongName());
                    payload.put("shortname", user.getShortName());
                    payload.put("hardware", user.getHwModel());
                    payload.put("role", user.getRole());
                    return "nodeinfo";
                }
                case TELEMETRY_APP -> {
                    telemetry(Telemetry.parseFrom(data.getPayload()), payload);
                    return "telemetry";
                }
                case ROUTING_APP -> {
                    Routing routing = Routing.parseFrom(data.getPayload());
                    payload.put("error_reason", routing.getErrorReason().name());
                    payload.put("request_id", data.getRequestId() & 0xffffffffL);
                    return "routing";
                }
                default -> {
                    return raw(data, payload);
                }
            }
        } catch (InvalidProtocolBufferException e) {
            // a payload its port cannot parse is still a record: raw, with why
            payload.clear();
            payload.put("error", "undecodable: " + e.getMessage());
            return raw(data, payload);
        }
    }

    private static String raw(Data data, Map<String, Object> payload) {
        payload.put("portnum", data.getPortnumValue());
        payload.put("raw", Base64.getEncoder().encodeToString(data.getPayload().toByteArray()));
        PortNum port = data.getPortnum();
        return port == PortNum.UNRECOGNIZED ? "port" + data.getPortnumValue()
                : port.name().replaceFirst("_APP$", "").replace("_", "").toLowerCase(Locale.ROOT);
    }

    private static String encrypted(MeshPacket packet, Map<String, Object> payload) {
        payload.put("raw", Base64.getEncoder().encodeToString(packet.getEncrypted().toByteArray()));
        return "encrypted";
    }

    static void position(Position p, Map<String, Object> payload) {
        if (p.hasLatitudeI()) {
            payload.put("latitude_i", p.getLatitudeI());
        }
        if (p.hasLongitudeI()) {
            payload.put("longitude_i", p.getLongitudeI());
        }
        if (p.hasAltitude()) {
            payload.put("altitude", p.getAltitude());
        }
        if (p.getTime() != 0) {
            payload.put("time", p.getTime() & 0xffffffffL);
        }
        if (p.getPrecisionBits() != 0) {
            payload.put("precision_bits", p.getPrecisionBits());
        }
        if (p.getSatsInView() != 0) {
            payload.put("sats_in_view", p.getSatsInView());
        }
        if (p.hasGroundSpeed()) {
            payload.put("ground_speed", p.getGroundSpeed());
        }
        if (p.hasGroundTrack()) {
            payload.put("ground_track", p.getGroundTrack());
        }
    }

    /** Present metrics only: proto3 optional keeps "not measured" apart from zero. */
    private static void telemetry(Telemetry t, Map<String, Object> payload) {
        switch (t.getVariantCase()) {
            case DEVICE_METRICS -> {
                DeviceMetrics m = t.getDeviceMetrics();
                putIf(payload, "battery_level", m.hasBatteryLevel(), m.getBatteryLevel());
                putIf(payload, "voltage", m.hasVoltage(), m.getVoltage());
                putIf(payload, "channel_utilization", m.hasChannelUtilization(), m.getChannelUtilization());
                putIf(payload, "air_util_tx", m.hasAirUtilTx(), m.getAirUtilTx());
                putIf(payload, "uptime_seconds", m.hasUptimeSeconds(), m.getUptimeSeconds());
            }
            case ENVIRONMENT_METRICS -> {
                EnvironmentMetrics m = t.getEnvironmentMetrics();
                putIf(payload, "temperature", m.hasTemperature(), m.getTemperature());
                putIf(payload, "relative_humidity", m.hasRelativeHumidity(), m.getRelativeHumidity());
                putIf(payload, "barometric_pressure", m.hasBarometricPressure(), m.getBarometricPressure());
                putIf(payload, "gas_resistance", m.hasGasResistance(), m.getGasResistance());
                putIf(payload, "voltage", m.hasVoltage(), m.getVoltage());
                putIf(payload, "current", m.hasCurrent(), m.getCurrent());
                putIf(payload, "iaq", m.hasIaq(), m.getIaq());
                putIf(payload, "lux", m.hasLux(), m.getLux());
            }
            case POWER_METRICS -> {
                PowerMetrics m = t.getPowerMetrics();
                putIf(payload, "voltage_ch1", m.hasCh1Voltage(), m.getCh1Voltage());
                putIf(payload, "current_ch1", m.hasCh1Current(), m.getCh1Current());
                putIf(payload, "voltage_ch2", m.hasCh2Voltage(), m.getCh2Voltage());
                putIf(payload, "current_ch2", m.hasCh2Current(), m.getCh2Current());
                putIf(payload, "voltage_ch3", m.hasCh3Voltage(), m.getCh3Voltage());
                putIf(payload, "current_ch3", m.hasCh3Current(), m.getCh3Current());
            }
            case AIR_QUALITY_METRICS -> {
                AirQualityMetrics m = t.getAirQualityMetrics();
                putIf(payload, "pm10", m.hasPm10Standard(), m.getPm10Standard());
                putIf(payload, "pm25", m.hasPm25Standard(), m.getPm25Standard());
                putIf(payload, "pm100", m.hasPm100Standard(), m.getPm100Standard());
                putIf(payload, "pm10_e", m.hasPm10Environmental(), m.getPm10Environmental());
                putIf(payload, "pm25_e", m.hasPm25Environmental(), m.getPm25Environmental());
                putIf(payload, "pm100_e", m.hasPm100Environmental(), m.getPm100Environmental());
                putIf(payload, "co2", m.hasCo2(), m.getCo2());
            }
            default -> payload.put("variant", "unknown");
        }
    }

    private static void putIf(Map<String, Object> payload, String key, boolean present, Object value) {
        if (present) {
            payload.put(key, value instanceof Float f ? decimal(f) : value);
        }
    }

    /** The float as written, 3.3 rather than 3.299999952316284. */
    static double decimal(float f) {
        return Double.parseDouble(Float.toString(f));
    }

    private static byte[] json(Map<String, Object> json) {
        StringWriter out = new StringWriter(256);
        try {
            new JSONWriter(out).value(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }
}
