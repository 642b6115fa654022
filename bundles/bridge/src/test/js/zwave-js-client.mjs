// zwave-js as Z-Wave JS UI and Home Assistant run it, on a serial port given as a path or as
// tcp://host:port (a ser2net-style bridge): node zwave-js-client.mjs <port> <cache folder>
// Starts the driver, interviews the network, switches node 2 on and reads it back, then prints
// what it saw as one JSON object. Ends by itself within 60 s.
import { Driver } from "zwave-js";

const [port, cacheDir] = process.argv.slice(2);
const started = Date.now();
const seen = { errors: [] };
const print = () => console.log(JSON.stringify(seen));
setTimeout(() => { print(); process.exit(2); }, 60_000);

const driver = new Driver(port, { logConfig: { enabled: false }, storage: { cacheDir } });
driver.on("error", (e) => seen.errors.push(e.message));
driver.once("driver ready", () => {
  const { homeId, ownNodeId, nodes } = driver.controller;
  Object.assign(seen, { readyMillis: Date.now() - started, homeId, ownNodeId, nodes: [...nodes.keys()] });
});
driver.once("all nodes ready", async () => {
  seen.interviewedMillis = Date.now() - started;
  const binarySwitch = driver.controller.nodes.get(2).commandClasses["Binary Switch"];
  await binarySwitch.set(true);
  seen.switchedOn = (await binarySwitch.get())?.currentValue;
  await driver.destroy();
  print();
  process.exit(0);
});
await driver.start();
