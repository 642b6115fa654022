package dev.outrigger.meshtastic;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
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
 * Packets of other ports keep their port number and raw payload. Written with Jackson's streaming
 * generator: this runs for every packet heard.
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

    /** @param sender the receiving radio's own node id, as the firmware fills it in */
    static OutboxRecord record(MeshPacket packet, String sender, long nowSeconds) {
        Decoded decoded = packet.hasDecoded() ? decode(packet.getDecoded())
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

    private static Decoded decode(Data data) {
        try {
            return switch (data.getPortnum()) {
                case TEXT_MESSAGE_APP -> new Decoded("text",
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
                default -> raw(data, null);
            };
        } catch (InvalidProtocolBufferException e) {
            // a payload its port cannot parse is still a record: raw, with why
            return raw(data, "undecodable: " + e.getMessage());
        }
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
        if (p.getPrecisionBits() != 0) {
            json.writeNumberField("precision_bits", p.getPrecisionBits());
        }
        if (p.getSatsInView() != 0) {
            json.writeNumberField("sats_in_view", p.getSatsInView());
        }
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
                field(json, "lux", m.hasLux(), m.getLux());
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
            default -> json.writeStringField("variant", "unknown");
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
