package dev.outrigger.bridge;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.io.FileInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.outrigger.device.SerialSettings;
import dev.outrigger.framework.Await;
import dev.outrigger.framework.net.NetworkNamespace;
import dev.outrigger.tls.PemTls;
import dev.outrigger.tls.TestCertificates;

/**
 * A bridge behind TLS that requires client certificates, with certificates made by openssl as an
 * operator would: a client with a certificate from the CA gets through, one without does not.
 */
public class BridgeTlsTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private PtyPair pty;
    private Bridge bridge;
    private TestCertificates tls;

    @Before
    public void certificatesAndABridge() throws Exception {
        tls = new TestCertificates(folder.newFolder("tls").toPath(), "zigbee2mqtt");
        pty = new PtyPair(folder.newFolder("pty").toPath());
        SSLContext server = PemTls.context(tls.ca().toString(), tls.cert("server").toString(), tls.key("server").toString());
        bridge = new Bridge(new Bridge.Options("tls", "127.0.0.1", 0, Bridge.Mode.RAW, SerialSettings.DEFAULT,
                Bridge.Policy.KICKOLDUSER, 1, 0, Bridge.KEEPALIVE_SECONDS, AllowList.ANYONE, () -> server, true));
        bridge.attach(BridgeTest.device(pty.device.toRealPath().toString()));
    }

    @After
    public void tearDown() throws Exception {
        bridge.close();
        pty.close();
    }

    @Test
    public void aClientWithACertificateFromTheCaGetsThrough() throws Exception {
        assertAClientWithACertificateGetsThrough();
    }

    @Test
    public void aFloodOfClientsThatNeverHandshakeTakesABoundedNumberOfThreadsAndLeavesTheBridgeServing() throws Exception {
        List<Socket> flood = new ArrayList<>();
        try {
            for (int i = 0; i < Bridge.MAX_HANDSHAKES + 20; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), bridge.port());
                s.setSoTimeout(5_000);
                flood.add(s);
            }
            // taken in order: the first ones wait in their handshakes, the rest are closed at once
            for (Socket late : flood.subList(Bridge.MAX_HANDSHAKES, flood.size())) {
                assertEquals("turned away", -1, readOrEnd(late));
            }
            assertEquals(Bridge.MAX_HANDSHAKES, handshakeThreads());
        } finally {
            for (Socket s : flood) {
                s.close();
            }
        }
        Await.until("the stalled handshakes ended with their clients", Duration.ofSeconds(10), () -> handshakeThreads() == 0);
        assertAClientWithACertificateGetsThrough();
    }

    /**
     * Stopped (its configuration changed, its bundle updated) while a client is in its handshake:
     * the handshake ends with the bridge, rather than run on for its 10 s and then let the client
     * in to a port no bridge looks after any more.
     */
    @Test
    public void aHandshakeUnderWayWhenTheBridgeStopsEndsWithIt() throws Exception {
        try (Socket stalled = new Socket(InetAddress.getLoopbackAddress(), bridge.port())) {
            Await.until("the handshake under way", Duration.ofSeconds(5), () -> handshakeThreads() == 1);
            bridge.close();
            assertEquals(0, handshakeThreads());
        }
    }

    /**
     * A client whose host goes off the network in the middle of its session (openssl on a host of
     * its own): the keep-alive probes find it gone behind TLS as on plain TCP, and its place is free.
     */
    @Test
    public void aClientWhoseHostVanishedIsClosed() throws Exception {
        try (NetworkNamespace other = NetworkNamespace.create()) {
            SSLContext server = PemTls.context(tls.ca().toString(), tls.cert("server").toString(), tls.key("server").toString());
            Bridge far = new Bridge(new Bridge.Options("tls-far", other.hostAddress, 0, Bridge.Mode.RAW, SerialSettings.DEFAULT,
                    Bridge.Policy.KICKOLDUSER, 1, 0, 2, AllowList.ANYONE, () -> server, true));
            try {
                far.attach(BridgeTest.device(pty.device.toRealPath().toString()));
                // its standard input open and quiet, as a client between two messages
                other.start(new ProcessBuilder("openssl", "s_client", "-quiet", "-connect", other.hostAddress + ":" + far.port(),
                        "-cert", tls.cert("zigbee2mqtt").toString(), "-key", tls.key("zigbee2mqtt").toString())
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD));
                Await.until("the client admitted", Duration.ofSeconds(10), () -> far.clientCount() == 1);
                other.cut();
                Await.until("the client closed once it answered no probe", Duration.ofSeconds(15), () -> far.clientCount() == 0);
            } finally {
                far.close();
            }
        }
    }

    private static int readOrEnd(Socket s) throws IOException {
        try {
            return s.getInputStream().read();
        } catch (SocketException reset) {
            return -1;
        }
    }

    private static long handshakeThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("outrigger-bridge-handshake")).count();
    }

    private void assertAClientWithACertificateGetsThrough() throws Exception {
        SSLContext client = PemTls.context(tls.ca().toString(), tls.cert("zigbee2mqtt").toString(),
                tls.key("zigbee2mqtt").toString());
        try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), bridge.port());
                FileInputStream fromPeer = new FileInputStream(pty.peer.toRealPath().toFile())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write(new byte[] { 1, 2, 3 });
            socket.getOutputStream().flush();
            assertArrayEquals(new byte[] { 1, 2, 3 }, PtyPair.readFully(fromPeer, 3));
        }
    }

    @Test
    public void aClientWithoutACertificateIsRefused() throws Exception {
        SSLContext anonymous = PemTls.context(tls.ca().toString(), "", "");
        try (SSLSocket socket = (SSLSocket) anonymous.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), bridge.port())) {
            socket.setSoTimeout(5_000);
            assertThrows(IOException.class, () -> {
                socket.startHandshake();
                socket.getOutputStream().write(1);
                socket.getOutputStream().flush();
                // TLS 1.3 reports a missing client certificate on the first read
                assertEquals(-1, socket.getInputStream().read());
            });
        }
        assertEquals("no client admitted", 0, bridge.clientCount());
    }
}
