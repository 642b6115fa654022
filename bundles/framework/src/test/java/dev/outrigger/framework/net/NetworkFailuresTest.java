package dev.outrigger.framework.net;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.Optional;

import javax.net.ssl.SSLHandshakeException;

import org.junit.Test;

public class NetworkFailuresTest {

    @Test
    public void aRefusedConnectionWrappedWithoutMessages() throws Exception {
        int closed;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = probe.getLocalPort();
        }
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), closed)) {
            throw new AssertionError("nothing listens on " + closed);
        } catch (ConnectException refused) {
            assertEquals(Optional.of("nothing listens there, or no route to it"),
                    NetworkFailures.inWords(new RuntimeException("Operation failed.", new IOException(refused))));
        }
    }

    @Test
    public void hostsTlsAndTheRest() {
        assertEquals(Optional.of("unknown host broker.invalid"),
                NetworkFailures.inWords(new IOException(new UnknownHostException("broker.invalid"))));
        assertEquals(Optional.of("TLS failed: Remote host terminated the handshake"),
                NetworkFailures.inWords(new SSLHandshakeException("Remote host terminated the handshake")));
        assertEquals(Optional.empty(), NetworkFailures.inWords(new IOException("disk full")));
    }
}
