package dev.outrigger.simulator;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.Test;

import dev.outrigger.framework.Await;
import dev.outrigger.framework.Configs;
import dev.outrigger.framework.Ports;

public class SimulatorServerTest {

    /**
     * A configuration change deactivates the simulator and activates it again at once: the new
     * instance must find the port free, even while a radio session was connected to the old one.
     */
    @Test
    public void reconfiguredWithARadioConnectedItListensAgainAtOnce() throws Exception {
        int port = Ports.free();
        SimulatorServer.Config config = Configs.of(SimulatorServer.Config.class, Map.of("port", port));
        SimulatorServer server = new SimulatorServer(config);
        for (int i = 0; i < 20; i++) {
            try (Socket radioSession = new Socket("127.0.0.1", port)) {
                server.deactivate();
                server = new SimulatorServer(config);
                assertTrue("the old instance ended its clients' connections", ended(radioSession));
            }
            assertTrue("the new instance listens at once, not after a retry", accepts(port));
        }
        server.deactivate();
    }

    /** Stopped (its bundle updated or uninstalled) with a radio session connected: no thread of it runs on. */
    @Test
    public void stoppedWithARadioConnectedItsSessionHasEndedOnReturn() throws Exception {
        int port = Ports.free();
        SimulatorServer server = new SimulatorServer(Configs.of(SimulatorServer.Config.class, Map.of("port", port)));
        try (Socket radioSession = new Socket("127.0.0.1", port)) {
            Await.until("the session served", Duration.ofSeconds(10), () -> !sessionThreads().isEmpty());
            server.deactivate();
            assertEquals(List.of(), sessionThreads());
        }
    }

    private static List<String> sessionThreads() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> n.startsWith("outrigger-simulator tcp")).toList();
    }

    /** A port taken (by meshtasticd, say): the simulator waits for it, and never holds it after it stopped. */
    @Test
    public void aPortTakenIsListenedOnOnceItIsFree() throws Exception {
        ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        int port = taken.getLocalPort();
        SimulatorServer server = new SimulatorServer(Configs.of(SimulatorServer.Config.class, Map.of("port", port)));
        taken.close();
        Await.until("listening once the port is free", Duration.ofSeconds(10), () -> accepts(port));
        server.deactivate();
        try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertTrue(again.isBound());
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException refused) {
            return false;
        }
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
