package dev.outrigger.mqtt;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

import javax.net.SocketFactory;

/**
 * Plain TCP sockets for Paho, whose end within the first second of reading is reported no sooner
 * than that second. Paho 1.2.5 starts its reader, writer and callback threads each with a loop that
 * polls every 100 ms, deaf to interrupts, until the thread says it runs; one that has already ended
 * by then (a connection closed as soon as it was accepted: a proxy before a broker that is down, a
 * broker shutting down) leaves the connecting thread polling forever — a thread lost per attempt,
 * hundreds a minute at a short backoff. {@link SettlingTlsSocketFactory} does the same for TLS.
 */
final class SettlingSocketFactory extends SocketFactory {

    /** Long enough for Paho's three start-up polls; a broker that hangs up at once is told a second later. */
    static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final AttemptSockets attempt;

    SettlingSocketFactory(AttemptSockets attempt) {
        this.attempt = attempt;
    }

    @Override
    public Socket createSocket() throws IOException {
        return attempt.add(new SettlingSocket());
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(this, new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(this, new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(this, new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return connected(this, new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
    }


    /** A socket of the factory's, bound to {@code local} where given, connected to {@code remote}. */
    static Socket connected(SocketFactory factory, InetSocketAddress remote, InetSocketAddress local) throws IOException {
        Socket socket = factory.createSocket();
        if (local != null) {
            socket.bind(local);
        }
        socket.connect(remote);
        return socket;
    }

    private static final class SettlingSocket extends Socket {
        private InputStream in;

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (in == null) {
                in = new SettlingInput(super.getInputStream());
            }
            return in;
        }
    }

    /** A connection's input whose end, or failure, within a second of the first read waits out that second. */
    static final class SettlingInput extends FilterInputStream {
        private long firstRead;
        private boolean reading;

        SettlingInput(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            started();
            try {
                int n = super.read(b, off, len);
                if (n < 0) {
                    settle();
                }
                return n;
            } catch (IOException e) {
                settle();
                throw e;
            }
        }

        /** Paho asks before each read: a socket closed here (a stop cutting an attempt off) fails this first. */
        @Override
        public int available() throws IOException {
            started();
            try {
                return super.available();
            } catch (IOException e) {
                settle();
                throw e;
            }
        }

        private void started() {
            if (!reading) {
                reading = true;
                firstRead = System.nanoTime();
            }
        }

        private void settle() {
            long left = firstRead + SETTLE_NANOS - System.nanoTime();
            if (left > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
