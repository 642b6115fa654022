package dev.outrigger.mqtt;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * The sockets of one connection attempt, so that a stop can end the attempt from outside Paho.
 * Paho 1.2.5 cannot end an attempt under way without losing threads (and they keep its bundle's
 * classes, which are gone once the bundle is refreshed); an attempt whose socket closes it ends as
 * it ends any lost connection, with every thread it started.
 */
final class AttemptSockets {

    private final List<Socket> sockets = new ArrayList<>();
    private boolean closed;

    /** The socket, kept to be closed with the attempt; closed already if the attempt is (its connect then fails). */
    synchronized <S extends Socket> S add(S socket) throws IOException {
        sockets.add(socket);
        if (closed) {
            socket.close();
        }
        return socket;
    }

    /** Closes the attempt's sockets, and those it may still make. */
    synchronized void close() {
        closed = true;
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                // closed as far as it can be: what Paho reads from it ends
            }
        }
    }
}
