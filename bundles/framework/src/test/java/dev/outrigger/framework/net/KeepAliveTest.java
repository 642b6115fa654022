package dev.outrigger.framework.net;

import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

import org.junit.Test;

import dev.outrigger.framework.Await;

/** A peer that vanished without a word, on a host of its own that the test takes off the network. */
public class KeepAliveTest {

    @Test
    public void aPeerThatVanishedIsFoundGoneAfterTheIdleTimeAndThreeProbes() throws Exception {
        try (NetworkNamespace peer = NetworkNamespace.create(); Socket socket = connectedTo(peer)) {
            KeepAlive.probe(socket, 2);
            peer.cut();
            socket.setSoTimeout(10_000);
            long start = System.nanoTime();
            IOException gone = assertThrows(IOException.class, () -> socket.getInputStream().read());
            long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
            assertTrue("found by the probes, not by the read's timeout: " + gone, KeepAlive.expired(gone));
            assertTrue("2 s idle, then three probes a second apart: " + seconds + " s", seconds <= 5);
        }
    }

    /** A connection to a listener on the other host that takes it and keeps quiet. */
    private static Socket connectedTo(NetworkNamespace peer) throws Exception {
        peer.start(new ProcessBuilder("socat", "-u", "TCP-LISTEN:7000,bind=" + peer.address, "OPEN:/dev/null"));
        return Await.value("the listener on the other host", Duration.ofSeconds(10), () -> {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(peer.address, 7000), 1_000);
                return s;
            } catch (IOException notYet) {
                try (s) {
                    return null;
                } catch (IOException closing) {
                    return null;
                }
            }
        });
    }

    @Test
    public void onlyTheKernelsTimeoutCountsAsExpired() {
        assertTrue(KeepAlive.expired(new IOException("Connection timed out")));
        assertTrue(!KeepAlive.expired(new IOException("Connection reset")));
    }
}
