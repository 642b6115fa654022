// The official Meshtastic client, as the web and CLI clients use it, against a radio's TCP API or
// its serial port: node official-client.mjs <TCP port, or serial device path> <node number to trace a route to>
// Handshakes, hears the mesh, sends text (acknowledged, and to a node no one knows), asks a
// traceroute, then prints what it saw as one JSON object. Ends by itself within 20 s.
import { MeshDevice, Protobuf, Types } from "@meshtastic/core";
import { TransportNode } from "@meshtastic/transport-node";
import { TransportNodeSerial } from "@meshtastic/transport-node-serial";

const [where, traceTo] = process.argv.slice(2);
const UNKNOWN_NODE = 0x12345678;
const seen = { configured: false, nodes: [], channels: [], heard: {} };
const print = () => console.log(JSON.stringify(seen, (key, value) => (typeof value === "bigint" ? Number(value) : value)));
setTimeout(() => { print(); process.exit(2); }, 20_000);

const device = new MeshDevice(await (where.startsWith("/") ? TransportNodeSerial.create(where, 115200)
  : TransportNode.create("127.0.0.1", Number(where))));
device.log.settings.minLevel = 5; // its own log: errors only
const events = device.events;
const heard = (kind, packet, value) => {
  if (packet.from !== seen.myNodeNum) (seen.heard[kind] ??= []).push({ from: packet.from, to: packet.to, ...value });
};
events.onMyNodeInfo.subscribe((info) => { seen.myNodeNum = info.myNodeNum; });
events.onNodeInfoPacket.subscribe((node) => seen.nodes.push({ num: node.num, longName: node.user?.longName,
  shortName: node.user?.shortName, role: node.user?.role, latitudeI: node.position?.latitudeI }));
events.onChannelPacket.subscribe((channel) => seen.channels.push({ index: channel.index, name: channel.settings?.name,
  role: Protobuf.Channel.Channel_Role[channel.role] }));
events.onConfigPacket.subscribe(({ payloadVariant: { case: kind, value } }) => {
  const { Config_LoRaConfig_RegionCode: regions, Config_LoRaConfig_ModemPreset: presets } = Protobuf.Config;
  if (kind === "lora") seen.lora = { region: regions[value.region], preset: presets[value.modemPreset], hopLimit: value.hopLimit,
    txEnabled: value.txEnabled };
});
events.onDeviceMetadataPacket.subscribe((metadata) => { seen.firmwareVersion = metadata.data.firmwareVersion; });
events.onPositionPacket.subscribe((p) => heard("position", p, { latitudeI: p.data.latitudeI, longitudeI: p.data.longitudeI }));
events.onTelemetryPacket.subscribe((p) => heard(p.data.variant.case, p, p.data.variant.value));
events.onMessagePacket.subscribe((p) => heard("text", p, { text: p.data }));
events.onNeighborInfoPacket.subscribe((p) => heard("neighbors", p, { count: p.data.neighbors.length }));
events.onTraceRoutePacket.subscribe((p) => { seen.route = p.data.route; });

const configured = new Promise((resolve) => events.onDeviceStatus.subscribe(
  (status) => status === Types.DeviceStatusEnum.DeviceConfigured && resolve()));
device.configure().catch(() => {}); // settles only on a timeout: the status says when it is done
await configured;
seen.configured = true;

const kinds = ["position", "deviceMetrics", "environmentMetrics", "text", "neighbors"];
await new Promise((resolve) => {
  const check = setInterval(() => kinds.every((kind) => seen.heard[kind]) && (clearInterval(check), resolve()), 50);
});
const outcome = (sent) => sent.then(() => "acknowledged", (e) => Protobuf.Mesh.Routing_Error[e.error] ?? String(e));
seen.broadcast = await outcome(device.sendText("Hello from the official client", "broadcast", true));
seen.toUnknownNode = await outcome(device.sendText("Anyone there?", UNKNOWN_NODE, true));
const routed = new Promise((resolve) => events.onTraceRoutePacket.subscribe(resolve));
await device.traceRoute(Number(traceTo)).catch(() => {}); // answered by a packet, not an acknowledgement
await routed;
print();
process.exit(0);
