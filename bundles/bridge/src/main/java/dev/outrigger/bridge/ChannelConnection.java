package dev.outrigger.bridge;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;

import dev.outrigger.framework.threads.Daemons;

/**
 * A plain TCP client on a non-blocking channel: a write goes straight to the socket from the
 * caller's thread; only a remainder the socket cannot take waits, for a drainer thread that writes
 * it as the client reads.
 */
final class ChannelConnection implements ClientConnection {

    private final SocketChannel channel;
    private final Selector readable;
    private final Selector writable;
    private final ArrayDeque<ByteBuffer> backlog = new ArrayDeque<>();
    private final Thread drainer;
    private int waiting;
    /** Read on the client's thread only. */
    private boolean moreLikely;

    ChannelConnection(SocketChannel channel, String name) throws IOException {
        this.channel = channel;
        channel.configureBlocking(false);
        readable = Selector.open();
        Selector w = null;
        try {
            w = Selector.open();
            channel.register(readable, SelectionKey.OP_READ);
            channel.register(w, SelectionKey.OP_WRITE);
        } catch (IOException | RuntimeException e) { // out of descriptors, or the client gone: nothing kept open
            try (readable; Selector opened = w) {
                throw e;
            }
        }
        writable = w;
        drainer = Daemons.start("outrigger-bridge-writer " + name, this::drain);
    }

    @Override
    public int read(byte[] buffer) throws IOException {
        ByteBuffer into = ByteBuffer.wrap(buffer);
        try {
            // after a full buffer more is likely waiting: read at once; otherwise wait first, which
            // spares a read that would find nothing (one system call less per small message)
            int n = moreLikely ? channel.read(into) : 0;
            while (n == 0) {
                if (readable.select(1_000) == 0) {
                    return 0;
                }
                readable.selectedKeys().clear();
                n = channel.read(into);
            }
            moreLikely = n == buffer.length;
            return n;
        } catch (ClosedSelectorException closed) {
            return -1; // closed by close(), from another thread
        }
    }

    @Override
    public synchronized void write(byte[] data) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(data);
        if (backlog.isEmpty()) {
            channel.write(bytes);
            if (!bytes.hasRemaining()) {
                return;
            }
        }
        backlog.add(bytes);
        waiting += bytes.remaining();
        notifyAll();
    }

    @Override
    public synchronized int waiting() {
        return waiting;
    }

    /** Writes the backlog whenever the socket can take more. */
    private void drain() {
        try {
            while (channel.isOpen()) {
                synchronized (this) {
                    while (backlog.isEmpty()) {
                        wait();
                    }
                }
                writable.select(1_000);
                writable.selectedKeys().clear();
                synchronized (this) {
                    while (!backlog.isEmpty()) {
                        ByteBuffer next = backlog.peek();
                        waiting -= channel.write(next);
                        if (next.hasRemaining()) {
                            break;
                        }
                        backlog.poll();
                    }
                    notifyAll();
                }
            }
        } catch (InterruptedException | IOException | ClosedSelectorException closing) {
            // the connection is closing or gone; close() cleans up
        }
    }

    /** The last words go only if the socket takes them at once: a client that does not read gets none. */
    @Override
    public void close(byte[] lastWords) {
        synchronized (this) {
            backlog.clear();
            waiting = 0;
        }
        drainer.interrupt();
        try (channel; readable; writable) {
            channel.write(ByteBuffer.wrap(lastWords));
        } catch (IOException gone) {
            // closed already, or the client did not wait for the reason
        }
    }
}
