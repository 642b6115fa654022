package dev.outrigger.mqtt;

import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

/** A connection attempt cut off at its sockets, as a stop does: ended in a way Paho 1.2.5 survives. */
public class AttemptSocketsTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    /**
     * Paho asks how much there is to read before it reads: the attempt's end, said there, waits out
     * the settling second like any other, or Paho's connecting thread waits for its reader for ever.
     */
    @Test
    public void anAttemptCutOffBeforeItsFirstReadEndsAfterTheSettlingSecond() throws Exception {
        try (ServerSocket broker = new ServerSocket(0, 1, LOOPBACK)) {
            AttemptSockets attempt = new AttemptSockets();
            Socket socket = new SettlingSocketFactory(attempt).createSocket(LOOPBACK, broker.getLocalPort());
            InputStream in = socket.getInputStream();
            attempt.close();
            long cut = System.nanoTime();
            assertThrows(IOException.class, in::available);
            long settled = System.nanoTime() - cut;
            assertTrue("ended after " + TimeUnit.NANOSECONDS.toMillis(settled) + " ms",
                    settled >= SettlingSocketFactory.SETTLE_NANOS - TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    /** Cut off before Paho made its socket: the socket it makes then never connects. */
    @Test
    public void aSocketMadeAfterTheAttemptWasCutOffDoesNotConnect() throws Exception {
        try (ServerSocket broker = new ServerSocket(0, 1, LOOPBACK)) {
            AttemptSockets attempt = new AttemptSockets();
            attempt.close();
            Socket socket = new SettlingSocketFactory(attempt).createSocket();
            assertThrows(IOException.class, () -> socket.connect(new InetSocketAddress(LOOPBACK, broker.getLocalPort())));
        }
    }
}
