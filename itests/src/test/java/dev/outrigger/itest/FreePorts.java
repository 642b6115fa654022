package dev.outrigger.itest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.outrigger.framework.Ports;

/**
 * The quick start's embedded broker and simulated radio on free loopback ports instead of 1883 and
 * 4403, where a gateway already running on this machine listens; the uplink and the radio follow.
 */
record FreePorts(int broker, int radio) {

    /** Writes the configuration into the etc/ folder of a distribution not started yet. */
    static FreePorts configure(Path etc) throws IOException {
        FreePorts ports = new FreePorts(Ports.free(), Ports.free());
        Files.writeString(etc.resolve("dev.outrigger.broker.cfg"), "bind = 127.0.0.1\nport = " + ports.broker() + "\n");
        Files.writeString(etc.resolve("dev.outrigger.mqtt.cfg"), "broker = tcp://127.0.0.1:" + ports.broker()
                + "\nroot = outrigger\ngatewayId = van\nreconnectMinMillis = 100\nreconnectMaxMillis = 1000\n");
        Files.writeString(etc.resolve("dev.outrigger.simulator.cfg"),
                "bind = 127.0.0.1\nport = " + ports.radio() + "\nintervalSeconds = 1\n");
        Files.writeString(etc.resolve("dev.outrigger.meshtastic-simulated.cfg"), "address = 127.0.0.1:" + ports.radio() + "\n");
        return ports;
    }
}
