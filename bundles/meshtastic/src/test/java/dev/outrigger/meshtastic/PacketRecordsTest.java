package dev.outrigger.meshtastic;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;

import org.junit.Test;

import com.google.protobuf.ByteString;

import dev.outrigger.framework.json.Json;
import dev.outrigger.mesh.MeshRadio.MeshNode;
import dev.outrigger.meshtastic.proto.Data;
import dev.outrigger.meshtastic.proto.DeviceMetrics;
import dev.outrigger.meshtastic.proto.EnvironmentMetrics;
import dev.outrigger.meshtastic.proto.HardwareMessage;
import dev.outrigger.meshtastic.proto.LocalStats;
import dev.outrigger.meshtastic.proto.MeshPacket;
import dev.outrigger.meshtastic.proto.Neighbor;
import dev.outrigger.meshtastic.proto.NeighborInfo;
import dev.outrigger.meshtastic.proto.Paxcount;
import dev.outrigger.meshtastic.proto.PortNum;
import dev.outrigger.meshtastic.proto.Position;
import dev.outrigger.meshtastic.proto.RouteDiscovery;
import dev.outrigger.meshtastic.proto.Telemetry;
import dev.outrigger.meshtastic.proto.Waypoint;
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

    private static OutboxRecord record(MeshPacket packet, String sender, long nowSeconds) {
        return PacketRecords.record(packet, sender, num -> num == 0xa1b2c3d4L ? "Shed roof" : "", nowSeconds);
    }

    private static Map<?, ?> payload(PortNum port, ByteString payload) {
        return (Map<?, ?>) json(record(packet(port, payload), "", 0)).get("payload");
    }

    @Test
    public void textWithTheFirmwaresFieldNamesAndUnsignedNumbers() {
        OutboxRecord record = record(packet(PortNum.TEXT_MESSAGE_APP, ByteString.copyFromUtf8("moin")), "!00000001", 0);
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
        Map<?, ?> payload = (Map<?, ?>) json(record(packet(PortNum.TELEMETRY_APP, device.toByteString()), "", 0)).get("payload");
        assertEquals("zero, measured, is kept", 0L, payload.get("battery_level"));
        assertEquals(3.3, payload.get("voltage"));
        assertFalse("never measured, left out", payload.containsKey("uptime_seconds"));

        Telemetry environment = Telemetry.newBuilder().setEnvironmentMetrics(EnvironmentMetrics.newBuilder().setTemperature(21.5f)).build();
        assertEquals(Map.of("temperature", 21.5),
                json(record(packet(PortNum.TELEMETRY_APP, environment.toByteString()), "", 0)).get("payload"));

        // a BME280 that failed its reading: NaN is no JSON number, and a string "NaN" breaks every consumer that adds
        Telemetry failed = Telemetry.newBuilder().setEnvironmentMetrics(EnvironmentMetrics.newBuilder().setTemperature(Float.NaN)
                .setRelativeHumidity(Float.POSITIVE_INFINITY).setBarometricPressure(1013.25f)).build();
        assertEquals(Map.of("barometric_pressure", 1013.25),
                json(record(packet(PortNum.TELEMETRY_APP, failed.toByteString()), "", 0)).get("payload"));
    }

    @Test
    public void positionsOtherPortsAndUndecodablePayloads() {
        Position position = Position.newBuilder().setLatitudeI(525200000).setLongitudeI(134050000).setAltitude(34).build();
        Map<?, ?> p = (Map<?, ?>) json(record(packet(PortNum.POSITION_APP, position.toByteString()), "", 0)).get("payload");
        assertEquals(525200000L, p.get("latitude_i"));
        assertEquals(34L, p.get("altitude"));

        OutboxRecord rangeTest = record(packet(PortNum.RANGE_TEST_APP, ByteString.copyFrom(new byte[] { 1, 2 })), "", 0);
        assertEquals("mesh/!a1b2c3d4/rangetest", rangeTest.topic());
        assertEquals(Map.of("portnum", 66L, "raw", "AQI="), json(rangeTest).get("payload"));

        OutboxRecord broken = record(packet(PortNum.POSITION_APP, ByteString.copyFrom(new byte[] { (byte) 0xff })), "", 0);
        assertEquals("mesh/!a1b2c3d4/position", broken.topic());
        assertTrue(json(broken).get("payload").toString().contains("undecodable"));

        MeshPacket encrypted = MeshPacket.newBuilder().setFrom(1).setTo(2).setId(3).setEncrypted(ByteString.copyFromUtf8("x")).build();
        assertEquals("mesh/!00000001/encrypted", record(encrypted, "", 7).topic());
        assertEquals(7L, json(record(encrypted, "", 7)).get("timestamp"));
    }

    @Test
    public void aTextThatIsAJsonObjectIsThePayloadAsTheFirmwareMakesIt() {
        assertEquals(Map.of("temp", 21.5, "door", "open", "tags", List.of(1L, 2L)),
                payload(PortNum.TEXT_MESSAGE_APP, ByteString.copyFromUtf8("{\"temp\": 21.5, \"door\": \"open\", \"tags\": [1, 2]}")));
        assertEquals("not quite an object", Map.of("text", "{\"temp\": 21.5} and more"),
                payload(PortNum.TEXT_MESSAGE_APP, ByteString.copyFromUtf8("{\"temp\": 21.5} and more")));
        assertEquals(Map.of("text", "{broken"), payload(PortNum.TEXT_MESSAGE_APP, ByteString.copyFromUtf8("{broken")));
        assertEquals("a number stays text", Map.of("text", "42"), payload(PortNum.TEXT_MESSAGE_APP, ByteString.copyFromUtf8("42")));
    }

    @Test
    public void aTracerouteAnswerNamesEveryHopBothWays() {
        // the answer of !a1b2c3d4 to !00000001, which asked; one hop between them each way
        RouteDiscovery route = RouteDiscovery.newBuilder().addRoute(0xdeadbeef).addSnrTowards(26).addSnrTowards(-10)
                .addRouteBack(0x0000beef).addSnrBack(40).addSnrBack(-128).build();
        MeshPacket answer = MeshPacket.newBuilder().setFrom(0xa1b2c3d4).setTo(1).setId(9)
                .setDecoded(Data.newBuilder().setPortnum(PortNum.TRACEROUTE_APP).setPayload(route.toByteString()).setRequestId(77)).build();
        OutboxRecord record = record(answer, "!00000001", 0);
        assertEquals("mesh/!a1b2c3d4/traceroute", record.topic());
        Map<?, ?> p = (Map<?, ?>) json(record).get("payload");
        assertEquals(List.of("Unknown", "Unknown", "Shed roof"), p.get("route"));
        assertEquals(List.of("!00000001", "!deadbeef", "!a1b2c3d4"), p.get("route_ids"));
        assertEquals(List.of("Shed roof", "Unknown", "Unknown"), p.get("route_back"));
        assertEquals(List.of("!a1b2c3d4", "!0000beef", "!00000001"), p.get("route_back_ids"));
        assertEquals(List.of(6.5, -2.5), p.get("snr_towards"));
        assertEquals(List.of(10.0, -32.0), p.get("snr_back"));

        // the request, heard on its way: the hops so far, nothing back yet
        MeshPacket request = MeshPacket.newBuilder().setFrom(0xa1b2c3d4).setTo(1).setId(8)
                .setDecoded(Data.newBuilder().setPortnum(PortNum.TRACEROUTE_APP).setPayload(
                        RouteDiscovery.newBuilder().addRoute(0xdeadbeef).addSnrTowards(26).build().toByteString())).build();
        Map<?, ?> asked = (Map<?, ?>) json(record(request, "", 0)).get("payload");
        assertEquals(List.of("!a1b2c3d4", "!deadbeef", "!00000001"), asked.get("route_ids"));
        assertFalse(asked.containsKey("route_back"));

        // an answer from firmware before 2.3, which tells no way back: its ends, as the firmware writes them
        MeshPacket old = answer.toBuilder().setDecoded(answer.getDecoded().toBuilder().setPayload(
                RouteDiscovery.newBuilder().addRoute(0xdeadbeef).build().toByteString())).build();
        assertEquals(List.of("!a1b2c3d4", "!00000001"), ((Map<?, ?>) json(record(old, "", 0)).get("payload")).get("route_back_ids"));
    }

    @Test
    public void neighboursWaypointsAndPaxcountersAsTheFirmwareWritesThem() {
        NeighborInfo neighbors = NeighborInfo.newBuilder().setNodeId(0xa1b2c3d4).setLastSentById(0xa1b2c3d4)
                .setNodeBroadcastIntervalSecs(900).addNeighbors(Neighbor.newBuilder().setNodeId(0xdeadbeef).setSnr(7.75f)).build();
        assertEquals(Map.of("node_id", 0xa1b2c3d4L, "last_sent_by_id", 0xa1b2c3d4L, "node_broadcast_interval_secs", 900L,
                "neighbors_count", 1L, "neighbors", List.of(Map.of("node_id", 0xdeadbeefL, "snr", 7L))),
                payload(PortNum.NEIGHBORINFO_APP, neighbors.toByteString()));

        Waypoint waypoint = Waypoint.newBuilder().setId(0xf0000001).setName("Trailhead").setDescription("parking")
                .setLatitudeI(525200000).setLongitudeI(134050000).setExpire(1_800_000_000).setIcon(0x1F697).build();
        assertEquals(Map.of("id", 0xf0000001L, "name", "Trailhead", "description", "parking", "expire", 1_800_000_000L,
                "locked_to", 0L, "latitude_i", 525200000L, "longitude_i", 134050000L, "icon", 0x1F697L),
                payload(PortNum.WAYPOINT_APP, waypoint.toByteString()));

        assertEquals(Map.of("wifi_count", 12L, "ble_count", 30L, "uptime", 3600L),
                payload(PortNum.PAXCOUNTER_APP, Paxcount.newBuilder().setWifi(12).setBle(30).setUptime(3600).build().toByteString()));
        assertEquals(Map.of("text", "motion at the gate"),
                payload(PortNum.DETECTION_SENSOR_APP, ByteString.copyFromUtf8("motion at the gate")));
        OutboxRecord gpios = record(packet(PortNum.REMOTE_HARDWARE_APP, HardwareMessage.newBuilder()
                .setType(HardwareMessage.Type.GPIOS_CHANGED).setGpioValue(-1L).build().toByteString()), "", 0);
        assertEquals("mesh/!a1b2c3d4/gpios_changed", gpios.topic());
        assertEquals("uint64, unsigned", Map.of("gpio_value", new BigInteger("18446744073709551615")),
                json(gpios).get("payload"));
    }

    @Test
    public void theRadiosOwnCountsAndAWeatherStationsReadings() {
        Telemetry local = Telemetry.newBuilder().setLocalStats(LocalStats.newBuilder().setUptimeSeconds(120).setNumPacketsRx(40)
                .setNumPacketsRxBad(2).setNumOnlineNodes(5).setNumTotalNodes(9).setChannelUtilization(12.5f).setNoiseFloor(-110)).build();
        Map<?, ?> stats = payload(PortNum.TELEMETRY_APP, local.toByteString());
        assertEquals(40L, stats.get("num_packets_rx"));
        assertEquals(2L, stats.get("num_packets_rx_bad"));
        assertEquals(5L, stats.get("num_online_nodes"));
        assertEquals(12.5, stats.get("channel_utilization"));
        assertEquals(-110L, stats.get("noise_floor"));

        Telemetry weather = Telemetry.newBuilder().setEnvironmentMetrics(EnvironmentMetrics.newBuilder().setWindSpeed(4.5f)
                .setWindDirection(270).setRainfall1H(0.25f)).build();
        assertEquals(Map.of("wind_speed", 4.5, "wind_direction", 270L, "rainfall_1h", 0.25),
                payload(PortNum.TELEMETRY_APP, weather.toByteString()));
    }

    @Test
    public void aNodesStateIsRetainedWithWhatWasHeardOfIt() {
        MeshNode garage = new MeshNode(0x5a1a0003L, "!5a1a0003", "Garage", "GRGE", "PORTDUINO", "ROUTER", 1_700_000_000L, 6.25f, -91,
                1, null, null, 525185000 * 1e-7, 133990000 * 1e-7, null);
        OutboxRecord state = PacketRecords.node(garage, "!5a1a0001");
        assertEquals("mesh/!5a1a0003/node", state.topic());
        assertTrue("the last known state, for subscribers to come", state.retained());
        assertEquals(Map.ofEntries(Map.entry("id", "!5a1a0003"), Map.entry("num", 0x5a1a0003L), Map.entry("long_name", "Garage"),
                Map.entry("short_name", "GRGE"), Map.entry("hardware", "PORTDUINO"), Map.entry("role", "ROUTER"),
                Map.entry("last_heard", 1_700_000_000L), Map.entry("snr", 6.25), Map.entry("rssi", -91L), Map.entry("hops_away", 1L),
                Map.entry("latitude", 52.5185), Map.entry("longitude", 13.399), Map.entry("sender", "!5a1a0001")), json(state));

        MeshNode unnamed = new MeshNode(7, "!00000007", "", "", "", "", 0, null, null, null, 55, 3.7f, null, null, null);
        assertEquals("never heard, left out", Map.of("id", "!00000007", "num", 7L, "battery_level", 55L, "voltage", 3.7,
                "sender", "!5a1a0001"), json(PacketRecords.node(unnamed, "!5a1a0001")));
    }
}
