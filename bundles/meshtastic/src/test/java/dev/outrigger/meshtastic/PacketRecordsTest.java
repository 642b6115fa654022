package dev.outrigger.meshtastic;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.Map;

import org.junit.Test;

import com.google.protobuf.ByteString;

import dev.outrigger.framework.json.Json;
import dev.outrigger.meshtastic.proto.Data;
import dev.outrigger.meshtastic.proto.DeviceMetrics;
import dev.outrigger.meshtastic.proto.EnvironmentMetrics;
import dev.outrigger.meshtastic.proto.MeshPacket;
import dev.outrigger.meshtastic.proto.PortNum;
import dev.outrigger.meshtastic.proto.Position;
import dev.outrigger.meshtastic.proto.Telemetry;
import dev.outrigger.outbox.OutboxRecord;

public class PacketRecordsTest {

    private static MeshPacket packet(PortNum port, ByteString payload) {
        return MeshPacket.newBuilder().setFrom(0xa1b2c3d4).setTo(0xffffffff).setId(0x80000001).setRxTime(1_700_000_000)
                .setRxSnr(6.25f).setRxRssi(-91).setHopStart(3).setHopLimit(1)
                .setDecoded(Data.newBuilder().setPortnum(port).setPayload(payload)).build();
    }

    private static Map<String, Object> json(OutboxRecord record) {
        return Json.object(record.payload());
    }

    @Test
    public void textWithTheFirmwaresFieldNamesAndUnsignedNumbers() {
        OutboxRecord record = PacketRecords.record(packet(PortNum.TEXT_MESSAGE_APP, ByteString.copyFromUtf8("moin")), "!00000001", 0);
        assertEquals("mesh/!a1b2c3d4/text", record.topic());
        Map<String, Object> json = json(record);
        assertEquals(0xa1b2c3d4L, json.get("from"));
        assertEquals(0xffffffffL, json.get("to"));
        assertEquals(0x80000001L, json.get("id"));
        assertEquals(1_700_000_000L, json.get("timestamp"));
        assertEquals("text", json.get("type"));
        assertEquals("!00000001", json.get("sender"));
        assertEquals(Map.of("text", "moin"), json.get("payload"));
        assertEquals(-91L, json.get("rssi"));
        assertEquals(6.25, json.get("snr"));
        assertEquals(2L, json.get("hops_away"));
        assertEquals(3L, json.get("hop_start"));
    }

    @Test
    public void onlyTheMetricsThatWereMeasured() {
        Telemetry device = Telemetry.newBuilder().setDeviceMetrics(DeviceMetrics.newBuilder().setBatteryLevel(0).setVoltage(3.3f)).build();
        Map<?, ?> payload = (Map<?, ?>) json(PacketRecords.record(packet(PortNum.TELEMETRY_APP, device.toByteString()), "", 0)).get("payload");
        assertEquals("zero, measured, is kept", 0L, payload.get("battery_level"));
        assertEquals(3.3, payload.get("voltage"));
        assertFalse("never measured, left out", payload.containsKey("uptime_seconds"));

        Telemetry environment = Telemetry.newBuilder().setEnvironmentMetrics(EnvironmentMetrics.newBuilder().setTemperature(21.5f)).build();
        assertEquals(Map.of("temperature", 21.5),
                json(PacketRecords.record(packet(PortNum.TELEMETRY_APP, environment.toByteString()), "", 0)).get("payload"));

        // a BME280 that failed its reading: NaN is no JSON number, and a string "NaN" breaks every consumer that adds
        Telemetry failed = Telemetry.newBuilder().setEnvironmentMetrics(EnvironmentMetrics.newBuilder().setTemperature(Float.NaN)
                .setRelativeHumidity(Float.POSITIVE_INFINITY).setBarometricPressure(1013.25f)).build();
        assertEquals(Map.of("barometric_pressure", 1013.25),
                json(PacketRecords.record(packet(PortNum.TELEMETRY_APP, failed.toByteString()), "", 0)).get("payload"));
    }

    @Test
    public void positionsOtherPortsAndUndecodablePayloads() {
        Position position = Position.newBuilder().setLatitudeI(525200000).setLongitudeI(134050000).setAltitude(34).build();
        Map<?, ?> p = (Map<?, ?>) json(PacketRecords.record(packet(PortNum.POSITION_APP, position.toByteString()), "", 0)).get("payload");
        assertEquals(525200000L, p.get("latitude_i"));
        assertEquals(34L, p.get("altitude"));

        OutboxRecord traceroute = PacketRecords.record(packet(PortNum.TRACEROUTE_APP, ByteString.copyFrom(new byte[] { 1, 2 })), "", 0);
        assertEquals("mesh/!a1b2c3d4/traceroute", traceroute.topic());
        assertEquals(Map.of("portnum", 70L, "raw", "AQI="), json(traceroute).get("payload"));

        OutboxRecord broken = PacketRecords.record(packet(PortNum.POSITION_APP, ByteString.copyFrom(new byte[] { (byte) 0xff })), "", 0);
        assertEquals("mesh/!a1b2c3d4/position", broken.topic());
        assertTrue(json(broken).get("payload").toString().contains("undecodable"));

        MeshPacket encrypted = MeshPacket.newBuilder().setFrom(1).setTo(2).setId(3).setEncrypted(ByteString.copyFromUtf8("x")).build();
        assertEquals("mesh/!00000001/encrypted", PacketRecords.record(encrypted, "", 7).topic());
        assertEquals(7L, json(PacketRecords.record(encrypted, "", 7)).get("timestamp"));
    }
}
