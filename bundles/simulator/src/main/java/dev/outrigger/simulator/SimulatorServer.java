package dev.outrigger.simulator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fazecast.jSerialComm.SerialPort;
import com.google.protobuf.InvalidProtocolBufferException;

import dev.outrigger.framework.retry.Retry;
import dev.outrigger.framework.serial.SerialPorts;
import dev.outrigger.framework.threads.Daemons;
import dev.outrigger.meshtastic.proto.FromRadio;
import dev.outrigger.meshtastic.proto.ToRadio;
import dev.outrigger.meshtastic.protocol.FrameDecoder;
import dev.outrigger.meshtastic.protocol.Frames;

/**
 * A simulated Meshtastic radio serving its client API on TCP (like a radio's port 4403) and,
 * when configured, on a pseudo-terminal (like a radio on USB serial, log text included). Every
 * client gets the real handshake, the last three packets again (as a radio hands over its queue),
 * then a packet from the simulated mesh each interval.
 */
@Component(configurationPid = SimulatorServer.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = SimulatorServer.Config.class)
public class SimulatorServer {

    static final String PID = "dev.outrigger.simulator";

    @ObjectClassDefinition(name = "Outrigger simulated Meshtastic radio",
            description = "Not a radio: a stand-in with simulated nodes, for demos and tests")
    public @interface Config {
        @AttributeDefinition(description = "Address to listen on")
        String bind() default "127.0.0.1";

        @AttributeDefinition(min = "1", max = "65535", description = "TCP port of the client API")
        int port() default 4403;

        @AttributeDefinition(min = "0.1", max = "3600", description = "A packet from the simulated mesh this often, "
                + "e.g. 0.1 for a busy mesh")
        double intervalSeconds() default 10;

        @AttributeDefinition(required = false, description = "Also serve as a serial radio on this pseudo-terminal, "
                + "e.g. one end of a socat pty pair")
        String pty() default "";
    }

    private static final Logger LOG = LoggerFactory.getLogger(SimulatorServer.class);
    /** A session's socket or pseudo-terminal closed, its thread ends within this. */
    private static final Duration SESSIONS_END = Duration.ofSeconds(2);

    private final SimulatedMesh mesh = new SimulatedMesh();
    /** Both null until the port could be listened on. */
    private volatile ServerSocket server;
    private volatile Thread acceptor;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(Daemons.named("outrigger-simulator-timer"));
    private final Set<Client> clients = ConcurrentHashMap.newKeySet();
    /** The threads serving clients, the pseudo-terminal's too: ended before deactivation returns, when this bundle's classes may go. */
    private final Set<Thread> sessions = ConcurrentHashMap.newKeySet();
    private final long intervalMillis;
    /** The pseudo-terminal served, while open. */
    private volatile SerialPort pty;
    private volatile boolean running = true;

    @Activate
    public SimulatorServer(Config config) {
        this.intervalMillis = Math.round(config.intervalSeconds() * 1000);
        if (!config.pty().isBlank()) {
            startSession("outrigger-simulator-pty", () -> servePty(config.pty().trim()));
        }
        // the port may be a real radio's: meshtasticd (Meshtastic on Linux) listens on 4403 too
        Retry.until(timer, LOG, "Simulated Meshtastic radio cannot listen on " + config.bind() + ":" + config.port(), () -> {
            ServerSocket socket = new ServerSocket();
            try {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getByName(config.bind()), config.port()));
            } catch (IOException e) {
                socket.close();
                throw e;
            }
            server = socket;
            acceptor = Daemons.start("outrigger-simulator-accept", this::accept);
            LOG.info("Simulated Meshtastic radio (not a real radio) on {}:{}{}", config.bind(), config.port(),
                    config.pty().isBlank() ? "" : " and " + config.pty());
        });
    }

    @Deactivate
    void deactivate() throws IOException, InterruptedException {
        running = false;
        timer.shutdownNow();
        timer.awaitTermination(2, TimeUnit.SECONDS); // a retry under way may yet open the port
        ServerSocket s = server;
        if (s != null) {
            s.close();
            // the port is free only once the thread blocked in accept has left it: a configuration
            // change activates the next instance on the same port right after this returns
            acceptor.join(2_000);
        }
        clients.forEach(Client::close);
        SerialPort p = pty;
        if (p != null) {
            p.closePort();
        }
        long deadline = System.nanoTime() + SESSIONS_END.toNanos();
        for (Thread session : sessions) {
            session.interrupt(); // the pseudo-terminal's, waiting to open it again
            session.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
    }

    private void accept() {
        while (running) {
            try {
                Socket socket = server.accept(); // set before this thread started
                socket.setTcpNoDelay(true);
                start(new Client(socket.getInputStream(), socket.getOutputStream(), false, socket::close), "tcp " + socket.getRemoteSocketAddress());
            } catch (SocketException closed) {
                return;
            } catch (IOException e) {
                LOG.warn("Simulated radio: accepting a client failed: {}", e.getMessage());
            }
        }
    }

    /** Like a radio on USB: served whenever the pseudo-terminal is there, again after it comes back. */
    private void servePty(String path) {
        String failure = "";
        while (running) {
            SerialPort port = null;
            try {
                port = SerialPorts.at(path);
                port.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING, 500, 0);
                SerialPorts.open(port, path);
            } catch (IOException e) { // not there (yet)
                port = null;
                if (!failure.equals(e.getMessage())) {
                    failure = e.getMessage();
                    LOG.warn("Simulated radio: {}; retrying", failure);
                }
            }
            if (port != null) {
                failure = "";
                serve(port);
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Until the pseudo-terminal goes or the simulator stops. */
    private void serve(SerialPort port) {
        pty = port;
        Client client = new Client(new InputStream() {
            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return port.readBytes(b, len, off);
            }
        }, new OutputStream() {
            @Override
            public void write(int b) {
                port.writeBytes(new byte[] { (byte) b }, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                port.writeBytes(b, len, off);
            }
        }, true, port::closePort);
        clients.add(client);
        try {
            client.run();
        } finally {
            client.close();
            clients.remove(client);
            pty = null;
        }
    }

    private void start(Client client, String name) {
        clients.add(client);
        startSession("outrigger-simulator " + name, () -> {
            try {
                client.run();
            } finally {
                client.close();
                clients.remove(client);
            }
        });
    }

    private void startSession(String name, Runnable task) {
        Thread session = Daemons.named(name).newThread(() -> {
            try {
                task.run();
            } finally {
                sessions.remove(Thread.currentThread());
            }
        });
        sessions.add(session);
        session.start();
    }

    /** One client's session with the simulated radio. */
    private final class Client {

        private final InputStream in;
        private final OutputStream out;
        private final boolean serial;
        private final AutoCloseable connection;
        private volatile ScheduledFuture<?> packets;

        Client(InputStream in, OutputStream out, boolean serial, AutoCloseable connection) {
            this.in = in;
            this.out = out;
            this.serial = serial;
            this.connection = connection;
        }

        void run() {
            if (serial) {
                text("INFO  | 00:00:01 1 [Main] Simulated radio booted; this is log text, not a frame");
            }
            FrameDecoder decoder = new FrameDecoder(new FrameDecoder.Listener() {
                @Override
                public void frame(byte[] payload) {
                    try {
                        received(ToRadio.parseFrom(payload));
                    } catch (InvalidProtocolBufferException e) {
                        LOG.debug("Simulated radio: undecodable frame: {}", e.getMessage());
                    }
                }

                @Override
                public void text(String line) {
                    // a client sends no text
                }
            });
            byte[] buffer = new byte[1024];
            try {
                while (running) {
                    int n = in.read(buffer, 0, buffer.length);
                    if (n < 0) {
                        return;
                    }
                    decoder.feed(buffer, 0, n);
                }
            } catch (IOException e) {
                LOG.debug("Simulated radio: client gone: {}", e.getMessage());
            }
        }

        private void received(ToRadio message) {
            switch (message.getPayloadVariantCase()) {
                case WANT_CONFIG_ID -> {
                    if (serial) {
                        text("INFO  | 00:00:02 2 [SerialConsole] Client wants config, nonce=" + message.getWantConfigId());
                    }
                    mesh.configuration(message.getWantConfigId()).forEach(this::send);
                    mesh.again().forEach(this::send);
                    if (packets == null) {
                        try {
                            packets = timer.scheduleAtFixedRate(() -> send(mesh.next()), intervalMillis, intervalMillis,
                                    TimeUnit.MILLISECONDS);
                        } catch (RejectedExecutionException stopping) {
                            close(); // the simulator stops: the session ends with it
                        }
                    }
                }
                case PACKET -> mesh.sent(message.getPacket()).forEach(this::send);
                case DISCONNECT -> close();
                default -> {
                    // heartbeat: nothing to answer
                }
            }
        }

        private synchronized void send(FromRadio message) {
            try {
                out.write(Frames.encode(message));
                out.flush();
            } catch (IOException e) {
                close();
            }
        }

        private synchronized void text(String line) {
            try {
                out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                close();
            }
        }

        void close() {
            ScheduledFuture<?> p = packets;
            if (p != null) {
                p.cancel(false);
            }
            try {
                connection.close();
            } catch (Exception e) {
                LOG.debug("Simulated radio: closing a client: {}", e.getMessage());
            }
        }
    }
}
