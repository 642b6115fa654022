package dev.outrigger.bridge;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

import dev.outrigger.framework.threads.Daemons;

/** A TLS client: blocking streams, so writes are queued for a writer thread of its own. */
final class StreamConnection implements ClientConnection {

    private static final long LAST_WORDS_MILLIS = 500;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final BlockingQueue<byte[]> outbound = new LinkedBlockingQueue<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final Thread writer;

    StreamConnection(Socket socket, String name) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(1_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
        writer = Daemons.start("outrigger-bridge-writer " + name, this::writeLoop);
    }

    @Override
    public int read(byte[] buffer) throws IOException {
        try {
            return in.read(buffer);
        } catch (SocketTimeoutException tick) {
            return 0;
        }
    }

    @Override
    public void write(byte[] data) {
        waiting.addAndGet(data.length);
        outbound.add(data);
    }

    @Override
    public int waiting() {
        return waiting.get();
    }

    private void writeLoop() {
        try {
            while (!socket.isClosed()) {
                byte[] data = outbound.take();
                writeNow(data);
                waiting.addAndGet(-data.length);
            }
        } catch (InterruptedException closing) {
            // close() owns the socket now: it may still tell the client why
        } catch (IOException e) {
            closeQuietly();
        }
    }

    private void writeNow(byte[] data) throws IOException {
        synchronized (out) {
            out.write(data);
        }
    }

    @Override
    public void close(byte[] lastWords) {
        writer.interrupt();
        outbound.clear();
        if (lastWords.length == 0) {
            closeQuietly();
            return;
        }
        // a blocking write to a client that stopped reading could hang: it gets its own thread and
        // half a second before the socket is closed under it
        Thread reason = Daemons.start("outrigger-bridge-close", () -> {
            try {
                writeNow(lastWords);
            } catch (IOException ignored) {
                // already gone
            }
        });
        try {
            reason.join(LAST_WORDS_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly();
    }

    private void closeQuietly() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
