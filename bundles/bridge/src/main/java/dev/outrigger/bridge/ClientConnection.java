package dev.outrigger.bridge;

import java.io.IOException;
import java.net.Socket;

/**
 * A bridge client's connection. Reads happen on the client's own thread; writes come from the
 * serial reader's thread and must never block it, so what the socket cannot take at once waits
 * here, counted, until it drains.
 */
interface ClientConnection {

    /** Bytes from the client into {@code buffer}: their count, 0 after a second without any, -1 at the end. */
    int read(byte[] buffer) throws IOException;

    /** Hands the bytes to the socket now, or keeps what it cannot take for later, in order. */
    void write(byte[] data) throws IOException;

    /** Bytes written and not yet taken by the socket. */
    int waiting();

    /** Drops what is waiting, sends {@code lastWords} if the client takes them, without blocking for long, and closes. */
    void close(byte[] lastWords);

    /**
     * Plain TCP gets a non-blocking channel written from the caller's thread (no thread handoff on
     * the way from the device to the client); TLS sockets, which have no non-blocking form, a writer
     * thread.
     */
    static ClientConnection of(Socket socket, String name) throws IOException {
        return socket.getChannel() != null ? new ChannelConnection(socket.getChannel(), name)
                : new StreamConnection(socket, name);
    }
}
