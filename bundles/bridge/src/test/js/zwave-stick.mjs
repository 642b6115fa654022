// A Z-Wave controller stick for the tests: zwave-js' own mock controller, with a binary switch as
// node 2, served on a loopback TCP port, which socat turns into a serial port:
// node zwave-stick.mjs <file to write the port number to>. Runs until it is stopped, or its
// standard input ends (the test that started it gone).
// The mock takes the host's bytes one Serial API frame per chunk, as a stick's firmware frames
// them, so the stream from TCP is framed with zwave-js' own parser before it is handed over.
import { writeFileSync, renameSync } from "node:fs";
import { createServer } from "node:net";
import { Readable } from "node:stream";
import { SerialAPIParser } from "@zwave-js/serial";
import { createAndOpenMockedZWaveSerialPort } from "@zwave-js/serial/mock";
import { MockController, MockNode } from "@zwave-js/testing";
import { createDefaultMockControllerBehaviors, createDefaultMockNodeBehaviors } from "zwave-js/Testing";

const BINARY_SWITCH = 0x25, MANUFACTURER_SPECIFIC = 0x72, VERSION = 0x86;

const { port: mockPort, serial } = await createAndOpenMockedZWaveSerialPort();
const controller = await MockController.create({ homeId: 0x7e570001, ownNodeId: 1, mockPort, serial });
controller.defineBehavior(...createDefaultMockControllerBehaviors());
const node = await MockNode.create({ id: 2, controller,
  capabilities: { commandClasses: [BINARY_SWITCH, MANUFACTURER_SPECIFIC, VERSION] } });
node.defineBehavior(...createDefaultMockNodeBehaviors());
controller.addNode(node);

let host; // the one connection, socat's
const toHost = serial.readable.getReader();
(async () => {
  for (let frame; !(frame = await toHost.read()).done;) {
    const { data } = frame.value;
    host?.write(typeof data === "number" ? Uint8Array.of(data) : data);
  }
})();

const server = createServer({ noDelay: true }, async (socket) => {
  host = socket;
  const frames = Readable.toWeb(socket).pipeThrough(new SerialAPIParser()).getReader();
  try {
    for (let frame; !(frame = await frames.read()).done;) {
      const { data } = frame.value;
      await serial.writeAsync(typeof data === "number" ? Uint8Array.of(data) : data);
    }
  } catch {
    // the connection ended
  }
});
const [portFile] = process.argv.slice(2);
server.listen(0, "127.0.0.1", () => {
  writeFileSync(portFile + ".new", String(server.address().port));
  renameSync(portFile + ".new", portFile); // whole, or not there yet
});
process.stdin.on("end", () => process.exit(0)).resume();
