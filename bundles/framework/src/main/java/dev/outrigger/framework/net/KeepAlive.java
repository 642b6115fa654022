package dev.outrigger.framework.net;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;

import jdk.net.ExtendedSocketOptions;

/**
 * TCP keep-alive on a timing of our own. A peer whose host lost power or left the network (a laptop
 * closed, a car out of Wi-Fi range) sends nothing more, not even a reset: without probes its
 * connection stays open for good, and with the kernel's defaults for two hours and more.
 */
public final class KeepAlive {

    /** Unanswered probes after which the kernel gives the connection up. */
    static final int PROBES = 3;

    private KeepAlive() {
    }

    /**
     * Probes the peer after {@code idleSeconds} without traffic, then every third of that (at least
     * every second): one that answers none of {@value #PROBES} is found gone about twice
     * {@code idleSeconds} after it went quiet, and a read of the socket fails ({@link #expired}).
     * 0 leaves the socket as it is. Where the timing cannot be set, the system's is kept.
     */
    public static void probe(Socket socket, int idleSeconds) throws SocketException {
        if (idleSeconds <= 0) {
            return;
        }
        socket.setKeepAlive(true);
        try {
            socket.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, idleSeconds);
            socket.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, Math.max(1, idleSeconds / PROBES));
            socket.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, PROBES);
        } catch (UnsupportedOperationException | IOException systemTiming) {
            // probed on the system's timing rather than not at all
        }
    }

    /** Whether the failure of a read is the peer's silence to the probes (ETIMEDOUT, in Linux's words). */
    public static boolean expired(IOException e) {
        return "Connection timed out".equals(e.getMessage());
    }
}
