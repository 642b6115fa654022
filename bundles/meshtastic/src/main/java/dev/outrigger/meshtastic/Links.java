package dev.outrigger.meshtastic;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fazecast.jSerialComm.SerialPort;

import dev.outrigger.framework.net.KeepAlive;
import dev.outrigger.framework.net.NetworkFailures;
import dev.outrigger.framework.serial.SerialPorts;
import dev.outrigger.framework.threads.Daemons;
import dev.outrigger.meshtastic.RadioSession.Link;

/** The two ways to a radio: its TCP API (port 4403) and its USB serial port. */
final class Links {

    /** Reads wake up this often without data, so deadlines and heartbeats are kept. */
    static final int POLL_MILLIS = 500;
    /**
     * A radio on Wi-Fi that lost power or its network answers nothing, not even a reset: probed
     * after so long without traffic, it is found gone within about a minute and connected anew
     * once back, rather than taken for a quiet mesh until the next heartbeat's write times out.
     */
    static final int KEEPALIVE_SECONDS = 30;
    /** Writes to a radio are a few hundred bytes at most: one not taken within this will not be. */
    static final long WRITE_DEADLINE_MILLIS = 10_000;

    private Links() {
    }

    /** The radio takes nothing written to it: said as such, whether the session was live yet or not. */
    static final class Unresponsive extends IOException {
        Unresponsive(String why) {
            super(why);
        }
    }

    static Link tcp(String host, int port) throws IOException {
        return tcp(host, port, KEEPALIVE_SECONDS);
    }

    /** With the radio probed after {@code keepAliveSeconds} without traffic: tests make it seconds. */
    static Link tcp(String host, int port, int keepAliveSeconds) throws IOException {
        Socket socket = new Socket();
        try {
            // set before connecting: a radio that hangs up at once makes them fail after, as if it could not be reached
            socket.setSoTimeout(POLL_MILLIS);
            socket.setTcpNoDelay(true);
            KeepAlive.probe(socket, keepAliveSeconds);
            socket.connect(new InetSocketAddress(host, port), 5_000);
        } catch (IOException e) {
            socket.close();
            if (e.getClass() == SocketException.class && !NetworkFailures.noRoute(e)) {
                // not refused, unreachable or timed out: reset as it was made, by something that listens there
                throw new RadioSession.HungUp(e);
            }
            throw new IOException("cannot connect to " + host + ":" + port + ": "
                    + NetworkFailures.inWords(e).orElse(e.getMessage()), e);
        }
        return new Link() {
            @Override
            public InputStream in() {
                try {
                    return socket.getInputStream();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public OutputStream out() {
                try {
                    return socket.getOutputStream();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void close() {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing: nothing left to do
                }
            }
        };
    }

    /**
     * The serial port at 115200 8N1 (or the given rate), DTR and RTS kept low from the start: many
     * ESP32 boards reset when they toggle, which would restart the radio on every connect.
     */
    static Link serial(String path, int baud) throws IOException {
        return serial(path, baud, WRITE_DEADLINE_MILLIS);
    }

    /**
     * @param writeDeadlineMillis a write the radio has not taken within this (its firmware hung with
     *        its USB port still there) closes the port: the session ends in words, instead of its
     *        thread, or a sender's, waiting for good (the serial library's write timeout does not
     *        bound a write on Linux)
     */
    static Link serial(String path, int baud, long writeDeadlineMillis) throws IOException {
        SerialPort port = SerialPorts.at(path);
        port.clearDTR();
        port.clearRTS();
        port.setComPortParameters(baud, 8, SerialPort.ONE_STOP_BIT, SerialPort.NO_PARITY);
        port.setFlowControl(SerialPort.FLOW_CONTROL_DISABLED);
        port.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING, POLL_MILLIS, 0);
        SerialPorts.open(port, path);
        String hungWords = "the radio took nothing written to it for " + Math.max(1, writeDeadlineMillis / 1000)
                + " s: has its firmware hung? (unplug it and plug it in again)";
        AtomicBoolean hung = new AtomicBoolean();
        ScheduledThreadPoolExecutor deadlines = new ScheduledThreadPoolExecutor(1, Daemons.named("outrigger-meshtastic-write"));
        deadlines.setRemoveOnCancelPolicy(true);
        deadlines.setKeepAliveTime(1, TimeUnit.SECONDS);
        deadlines.allowCoreThreadTimeOut(true);
        // readBytes, not jSerialComm's stream: 0 after the poll interval without data, -1 when unplugged
        InputStream in = new InputStream() {
            @Override
            public int read() {
                throw new UnsupportedOperationException("read(byte[]) only");
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = port.readBytes(b, len, off);
                if (n < 0 && hung.get()) {
                    throw new Unresponsive(hungWords);
                }
                return n;
            }
        };
        OutputStream out = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] { (byte) b }, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ScheduledFuture<?> deadline = deadlines.schedule(() -> {
                    hung.set(true);
                    port.closePort(); // ends the write under way
                }, writeDeadlineMillis, TimeUnit.MILLISECONDS);
                try {
                    int done = 0;
                    while (done < len) {
                        int n = port.writeBytes(b, len - done, off + done);
                        if (n < 0) {
                            throw hung.get() ? new Unresponsive(hungWords)
                                    : new IOException("write to " + path + " failed (error " + port.getLastErrorCode() + ")");
                        }
                        done += n;
                    }
                } finally {
                    deadline.cancel(false);
                }
            }
        };
        return new Link() {
            @Override
            public InputStream in() {
                return in;
            }

            @Override
            public OutputStream out() {
                return out;
            }

            @Override
            public void close() {
                deadlines.shutdownNow();
                port.closePort();
            }
        };
    }
}
