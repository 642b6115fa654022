// MQTT.js, the client of zigbee2mqtt, Z-Wave JS UI and Node-RED, as those use a broker:
// node home-automation.mjs <port>
// zigbee2mqtt (MQTT 5) with its last will, its retained bridge state, Home Assistant discovery and
// device states; Home Assistant's side (MQTT 3.1.1) reading them, sending its birth message and a
// command; then zigbee2mqtt's host losing power. Prints what each saw as one JSON object, ends by
// itself within 20 s.
import mqtt from "mqtt";

const [port] = process.argv.slice(2);
const seen = {};
const print = () => console.log(JSON.stringify(seen));
setTimeout(() => { print(); process.exit(2); }, 20_000);

const connect = (options) => new Promise((resolve, reject) => {
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, ...options });
  client.once("connect", () => resolve(client));
  client.once("error", reject);
});
const next = (client, topic) => new Promise((resolve) => {
  const heard = (t, payload, packet) => {
    if (t !== topic) return;
    client.off("message", heard);
    resolve({ payload: payload.toString(), retain: packet.retain, qos: packet.qos });
  };
  client.on("message", heard);
});

const z2m = await connect({ protocolVersion: 5, clientId: "zigbee2mqtt", keepalive: 60,
  will: { topic: "zigbee2mqtt/bridge/state", payload: '{"state":"offline"}', retain: true, qos: 1 } });
await z2m.publishAsync("zigbee2mqtt/bridge/state", '{"state":"online"}', { retain: true, qos: 1 });
await z2m.subscribeAsync(["zigbee2mqtt/+/set", "homeassistant/status"], { qos: 1 });
const plug = "homeassistant/switch/0x00158d0001a2b3c4/switch/config";
const discovery = JSON.stringify({ name: null, unique_id: "0x00158d0001a2b3c4_switch", command_topic: "zigbee2mqtt/kitchen_plug/set",
  state_topic: "zigbee2mqtt/kitchen_plug", value_template: "{{ value_json.state }}",
  device: { identifiers: ["zigbee2mqtt_0x00158d0001a2b3c4"], name: "Kitchen plug", model: "Smart plug (SP-EUC01)" },
  origin: { name: "Zigbee2MQTT" }, padding: "x".repeat(3000) });
await z2m.publishAsync(plug, discovery, { retain: true, qos: 1 });
await z2m.publishAsync("zigbee2mqtt/kitchen_plug", '{"state":"OFF"}', { retain: true, qos: 2 });

const ha = await connect({ protocolVersion: 4, clientId: "homeassistant" });
const config = next(ha, plug), state = next(ha, "zigbee2mqtt/kitchen_plug"), bridge = next(ha, "zigbee2mqtt/bridge/state");
await ha.subscribeAsync(["homeassistant/#", "zigbee2mqtt/#"], { qos: 1 });
seen.discovery = { ...(await config), payload: (await config).payload === discovery ? "whole" : "damaged" };
seen.state = await state;
seen.bridge = await bridge;

const birth = next(z2m, "homeassistant/status");
await ha.publishAsync("homeassistant/status", "online", { qos: 1 });
seen.birth = await birth;
const command = next(z2m, "zigbee2mqtt/kitchen_plug/set");
await ha.publishAsync("zigbee2mqtt/kitchen_plug/set", '{"state":"ON"}', { qos: 1 });
seen.command = await command;

const will = next(ha, "zigbee2mqtt/bridge/state");
z2m.stream.destroy(); // its host lost power: no DISCONNECT
seen.will = await will;
const late = await connect({ protocolVersion: 5 });
const lateBridge = next(late, "zigbee2mqtt/bridge/state");
await late.subscribeAsync("zigbee2mqtt/bridge/state");
seen.lateBridge = await lateBridge;
await Promise.all([ha.endAsync(), late.endAsync()]);
print();
process.exit(0);
