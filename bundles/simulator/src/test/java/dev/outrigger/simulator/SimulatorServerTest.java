package dev.outrigger.simulator;

import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Map;

import org.junit.Test;

import dev.outrigger.framework.Configs;

public class SimulatorServerTest {

    /**
     * A configuration change deactivates the simulator and activates it again at once: the new
     * instance must find the port free, even while a radio session was connected to the old one.
     */
    @Test
    public void reconfiguredWithARadioConnectedItListensAgainAtOnce() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        SimulatorServer.Config config = Configs.of(SimulatorServer.Config.class, Map.of("port", port));
        SimulatorServer server = new SimulatorServer(config);
        for (int i = 0; i < 20; i++) {
            try (Socket radioSession = new Socket("127.0.0.1", port)) {
                server.deactivate();
                server = new SimulatorServer(config);
                assertTrue("the old instance ended its clients' connections", ended(radioSession));
            }
        }
        server.deactivate();
    }

    /** Closed or reset by the other side (a connection never accepted is reset when the listener closes). */
    private static boolean ended(Socket socket) throws IOException {
        socket.setSoTimeout(5_000);
        InputStream in = socket.getInputStream();
        try {
            while (in.read() != -1) {
                // whatever the simulator had sent before
            }
            return true;
        } catch (SocketException reset) {
            return true;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        }
    }
}
