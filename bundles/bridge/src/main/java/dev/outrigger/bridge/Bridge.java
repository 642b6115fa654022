package dev.outrigger.bridge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.device.SerialDevice;
import dev.outrigger.device.SerialSettings;
import dev.outrigger.framework.logging.OncePerMinute;
import dev.outrigger.framework.net.KeepAlive;
import dev.outrigger.framework.net.NetworkFailures;
import dev.outrigger.framework.retry.Retry;
import dev.outrigger.framework.threads.Daemons;

/**
 * One serial device on one TCP port, raw: bytes pass unmodified both ways, as zigbee-herdsman and
 * zwave-js expect from {@code tcp://}. The listener stays up whether or not the device is present;
 * the port is opened when the first client connects and closed when the last leaves. Unplugging
 * closes the clients; a client connecting meanwhile is told why in one line and closed.
 */
final class Bridge implements AutoCloseable {

    enum Policy { KICKOLDUSER, SHARE }

    /** raw: bytes as they are; rfc2217: Telnet with COM-PORT-OPTION, so clients set baud, DTR, RTS... */
    enum Mode { RAW, RFC2217 }

    /**
     * TLS for the listener (its certificate, and the CAs of client certificates when asked for),
     * made at each attempt to listen: files that are missing or unusable yet (a certificate still
     * to be issued) are retried like a port still taken.
     */
    interface Tls {
        SSLContext context() throws IOException;
    }

    /**
     * Shown the bytes written to the device and read from it (bridge:tap), on the threads that move
     * them: it must not block, and may keep the array.
     */
    interface Tap {
        void passed(boolean toDevice, byte[] data);

        /** An RFC 2217 client changed the port's settings, said in words. */
        void set(String setting);

        /** The bridge stopped: nothing more passes through it. */
        void closed();
    }

    /**
     * @param settings   how to open the port; null for the settings of the device's profile
     * @param tls        null for plain TCP
     */
    record Options(String name, String bind, int port, Mode mode, SerialSettings settings, Policy policy, int maxClients,
            int idleTimeoutSeconds, int keepAliveSeconds, AllowList allow, Tls tls, boolean clientAuth) {

        Options(String name, String bind, int port, Mode mode, SerialSettings settings, Policy policy, int maxClients,
                int idleTimeoutSeconds, AllowList allow) {
            this(name, bind, port, mode, settings, policy, maxClients, idleTimeoutSeconds, KEEPALIVE_SECONDS, allow, null, false);
        }
    }

    /**
     * A client quiet for so long is probed: one whose host lost power or left the network is closed
     * about a minute later, rather than holding its place (and the port open) for good.
     */
    static final int KEEPALIVE_SECONDS = 30;

    private static final ThreadFactory HANDSHAKES = Daemons.named("outrigger-bridge-handshake");
    /** A TLS client must finish its handshake within this. */
    private static final int HANDSHAKE_MILLIS = 10_000;
    /**
     * TLS handshakes under way at once, at most: each has a thread, and a flood of clients that
     * never finish theirs would otherwise take a thread each until the JVM can start no more.
     */
    static final int MAX_HANDSHAKES = 16;

    private static final Logger LOG = LoggerFactory.getLogger(Bridge.class);
    private static final String DISCOVERY_PID = "dev.outrigger.discovery";

    private final Options options;
    /** Told of the device each client is let in to. */
    private final Consumer<SerialDevice> serving;
    /** Tries to listen again while it cannot; its thread ends when idle. */
    private final ScheduledThreadPoolExecutor retries = new ScheduledThreadPoolExecutor(1, Daemons.named("outrigger-bridge-retry"));
    /** Trying to listen, and why it could not at the last try. */
    private final Retry listenRetry;
    /** Null until listening. */
    private volatile ServerSocket server; // written with the monitor held
    private boolean closed; // guarded by this
    private Thread acceptor; // guarded by this
    private final List<Client> clients = new CopyOnWriteArrayList<>();
    private volatile SerialDevice device;
    /** The open port while clients are connected; written with the monitor held. */
    private volatile SerialLink link;
    private volatile String lastOpenError = "";
    private boolean unlistedSaid; // guarded by this
    /** After a failed open: clients are told why without a new attempt until then (nanoTime). */
    private long openRetryAt;
    private long openBackoffMillis;
    /** A port scanner or a misconfigured client may knock again and again: a line a minute at most. */
    private final OncePerMinute notAllowed = new OncePerMinute();
    private final OncePerMinute failedHandshakes = new OncePerMinute();
    private final OncePerMinute turnedAway = new OncePerMinute();
    private final Semaphore handshakes = new Semaphore(MAX_HANDSHAKES);
    /** The handshakes under way, each thread with its client's socket: closing ends them. */
    private final Map<Thread, Socket> handshaking = new ConcurrentHashMap<>();
    private final AtomicLong toSerial = new AtomicLong();
    private final AtomicLong fromSerial = new AtomicLong();
    private final List<Tap> taps = new CopyOnWriteArrayList<>();
    /** Told when it starts listening, its device comes or goes, and when it closes; called with the monitor held. */
    private volatile Runnable changed = () -> { };

    /**
     * Listens at once, or, while the address is taken (ser2net still running) or missing, or its
     * TLS files are, keeps trying in the background (1 s doubling to 30 s), logging the first failure.
     */
    Bridge(Options options) {
        this(options, d -> { });
    }

    /** @param serving told of the device each client is let in to, with the monitor held */
    Bridge(Options options, Consumer<SerialDevice> serving) {
        this.options = options;
        this.serving = serving;
        retries.setKeepAliveTime(1, TimeUnit.SECONDS);
        retries.allowCoreThreadTimeOut(true);
        listenRetry = Retry.until(retries, LOG,
                "Bridge " + options.name() + " cannot listen on " + options.bind() + ":" + options.port(), this::listen);
    }

    private synchronized void listen() throws IOException {
        if (closed) {
            return;
        }
        // plain TCP through a channel, so that clients get non-blocking writes (ClientConnection)
        ServerSocket s = options.tls() == null ? ServerSocketChannel.open().socket()
                : options.tls().context().getServerSocketFactory().createServerSocket();
        try {
            if (s instanceof SSLServerSocket tls) {
                tls.setNeedClientAuth(options.clientAuth());
            }
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(options.bind()), options.port()));
        } catch (IOException e) {
            closeQuietly(s);
            throw e;
        }
        server = s;
        acceptor = Daemons.start("outrigger-bridge " + options.name(), () -> acceptLoop(s));
        LOG.info("Bridge {} listening on {}:{} ({}{})", options.name(), options.bind(), s.getLocalPort(),
                options.mode().name().toLowerCase(Locale.ROOT), options.tls() == null ? "" : options.clientAuth()
                        ? ", TLS with client certificates" : ", TLS");
        changed.run();
        if (!s.getInetAddress().isLoopbackAddress() && options.allow().admitsAnyone() && !options.clientAuth()) {
            // whoever reaches the port drives the device: a Zigbee coordinator, a Z-Wave controller
            LOG.warn("Bridge {} is reachable beyond this host on {} and admits any client: set allow to the addresses "
                    + "of its clients, or TLS with client certificates", options.name(), options.bind());
        }
    }

    /** The port listened on; -1 while it cannot listen yet. */
    int port() {
        ServerSocket s = server;
        return s == null ? -1 : s.getLocalPort();
    }

    /**
     * Why it does not work as configured: it cannot listen, or its device is present and could not
     * be opened for the last client (until one is let in, or the device is plugged in again).
     */
    Optional<String> problem() {
        String openError = lastOpenError;
        // listening already while the attempt that made it so returns
        Optional<String> cannotListen = server == null ? listenRetry.failing() : Optional.empty();
        return cannotListen.or(() -> device != null && !openError.isEmpty()
                ? Optional.of("Bridge " + options.name() + ": " + openError)
                : Optional.empty());
    }

    /** Where it listens, the address as a literal (0.0.0.0 for every address of the host); null while it cannot yet. */
    InetSocketAddress listening() {
        ServerSocket s = server;
        return s == null ? null : new InetSocketAddress(s.getInetAddress(), s.getLocalPort());
    }

    Options options() {
        return options;
    }

    SerialDevice device() {
        return device;
    }

    /** Whom to tell of a change: whether it listens, its device. */
    void onChange(Runnable r) {
        changed = r;
    }

    int clientCount() {
        return clients.size();
    }

    /** Bytes written to the serial port and read from it since the bridge started. */
    long[] bytes() {
        return new long[] { toSerial.get(), fromSerial.get() };
    }

    /** Shows the tap what passes from now on, until the returned action is run. */
    Runnable tap(Tap tap) {
        taps.add(tap);
        return () -> taps.remove(tap);
    }

    private void tapped(boolean toDevice, byte[] data, int length) {
        for (Tap t : taps) {
            t.passed(toDevice, Arrays.copyOf(data, length));
        }
    }

    /** Closes every client, as {@code bridge:kick} does; returns how many there were. */
    synchronized int kick() {
        int n = clients.size();
        closeClients("kicked from the shell");
        return n;
    }

    /** The device is (back) present: new clients are bridged to it. */
    synchronized void attach(SerialDevice d) {
        if (device == null || !device.id().equals(d.id())) {
            openBackoffMillis = 0; // a device (back) in place: try it at once
            lastOpenError = "";
        }
        if (device == null || !device.path().equals(d.path())) {
            device = d;
            LOG.info("Bridge {}: device {} at {}", options.name(), d.id(), d.path());
            changed.run();
        }
    }

    /** The device is gone: its clients are closed, the listener stays. */
    synchronized void detach() {
        if (device != null) {
            LOG.info("Bridge {}: device {} gone; closing {} client(s)", options.name(), device.id(), clients.size());
            device = null;
            closeClients("device unplugged");
            changed.run();
        }
    }

    private void acceptLoop(ServerSocket server) {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
                LOG.warn("Bridge {}: accept failed: {}", options.name(), e.getMessage());
                continue;
            }
            if (socket instanceof SSLSocket tls) {
                if (!handshakes.tryAcquire()) {
                    closeQuietly(socket);
                    turnedAway.occurred(n -> LOG.warn("Bridge {}: {} TLS handshakes under way, the most it takes at once; "
                            + "turned {} client(s) away since the last such line (a flood?)", options.name(), MAX_HANDSHAKES, n));
                    continue;
                }
                // off the accepting thread: a client that stalls its handshake must not hold up others
                Thread handshake = HANDSHAKES.newThread(() -> {
                    try {
                        handshakeAndAdmit(tls);
                    } finally {
                        handshaking.remove(Thread.currentThread());
                        handshakes.release();
                    }
                });
                handshaking.put(handshake, tls);
                handshake.start();
            } else {
                admitQuietly(socket);
            }
        }
    }

    private void handshakeAndAdmit(SSLSocket tls) {
        try {
            tls.setSoTimeout(HANDSHAKE_MILLIS);
            tls.startHandshake();
            tls.setSoTimeout(0);
        } catch (IOException e) {
            if (!isClosed()) { // else ended by the bridge's close, which is no failure of the client's
                failedHandshakes.occurred(n -> LOG.warn("Bridge {}: TLS handshake with {} failed: {} ({} since the last such line)",
                        options.name(), tls.getInetAddress().getHostAddress(), e.getMessage(), n));
            }
            closeQuietly(tls);
            return;
        }
        admitQuietly(tls);
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    private void admitQuietly(Socket socket) {
        try {
            admit(socket);
        } catch (IOException | RuntimeException e) { // one client's trouble never ends the accepting
            LOG.debug("Bridge {}: client {} gone during setup: {}", options.name(), socket.getRemoteSocketAddress(), e.getMessage());
            closeQuietly(socket);
        }
    }

    private synchronized void admit(Socket socket) throws IOException {
        if (closed) { // a handshake that ended as the bridge closed
            refuse(socket, "bridge stopped");
            return;
        }
        String peer = socket.getInetAddress().getHostAddress();
        if (!options.allow().admits(socket.getInetAddress())) {
            refuse(socket, "address " + peer + " is not allowed");
            notAllowed.occurred(n -> LOG.warn("Bridge {}: refused {} (not in allow; {} refused since the last such line)",
                    options.name(), peer, n));
            return;
        }
        SerialDevice d = device;
        if (d == null) {
            refuse(socket, absent());
            return;
        }
        if (clients.size() >= options.maxClients()) {
            if (options.policy() == Policy.KICKOLDUSER) {
                Client oldest = clients.get(0);
                oldest.close("replaced by a new client from " + peer);
            } else {
                refuse(socket, "busy: " + clients.size() + " client(s) connected");
                return;
            }
        }
        if (link == null) {
            long now = System.nanoTime();
            if (openBackoffMillis > 0 && now - openRetryAt < 0) {
                refuse(socket, lastOpenError + "; next attempt in "
                        + Math.max(1, TimeUnit.NANOSECONDS.toSeconds(openRetryAt - now)) + " s");
                return;
            }
            try {
                SerialSettings settings = options.settings() != null ? options.settings() : d.settings();
                link = new SerialLink(d.path(), settings, this::fromSerial, this::serialLost);
                lastOpenError = "";
                openBackoffMillis = 0;
            } catch (IOException e) {
                // busy or failing: retried by the next client, no sooner than the backoff (1 s doubling to 30 s)
                openBackoffMillis = openBackoffMillis == 0 ? 1_000 : Math.min(openBackoffMillis * 2, 30_000);
                openRetryAt = now + TimeUnit.MILLISECONDS.toNanos(openBackoffMillis);
                if (!e.getMessage().equals(lastOpenError)) {
                    LOG.warn("Bridge {}: {}; retrying with backoff", options.name(), e.getMessage());
                    lastOpenError = e.getMessage();
                }
                refuse(socket, e.getMessage());
                return;
            }
        }
        Client client;
        try {
            socket.setTcpNoDelay(true);
            KeepAlive.probe(socket, options.keepAliveSeconds());
            client = new Client(socket);
        } catch (IOException | RuntimeException e) { // gone before it was taken in: nor is the port kept open for it
            closeLinkIfIdle();
            throw e;
        }
        clients.add(client);
        client.start();
        serving.accept(d);
    }

    /** What RFC 2217 requests apply to: the open port, or none between a close and the next open; while tapped, said too. */
    private Rfc2217.Port openPort() {
        SerialLink l = link;
        Rfc2217.Port port = l == null ? Rfc2217.Port.ABSENT : l;
        return taps.isEmpty() ? port : new SettingsSaid(port, setting -> taps.forEach(t -> t.set(setting)));
    }

    private void fromSerial(byte[] data) {
        fromSerial.addAndGet(data.length);
        tapped(false, data, data.length);
        for (Client c : clients) {
            c.send(data);
        }
    }

    private void serialLost(String why) {
        LOG.warn("Bridge {}: {}; closing its clients", options.name(), why);
        synchronized (this) {
            closeClients("serial port failed");
        }
    }

    /** Called with the monitor held. */
    private void closeClients(String why) {
        for (Client c : clients) {
            c.close(why);
        }
        closeLinkIfIdle();
    }

    private synchronized void closeLinkIfIdle() {
        if (clients.isEmpty() && link != null) {
            link.close();
            link = null;
        }
    }

    /**
     * Why a client finds no device. A path that exists yet discovery does not list is a setup
     * mistake rather than an unplugged device: said with the remedy, in the log once per bridge.
     */
    private String absent() {
        Path path = Path.of(options.name());
        if (!path.isAbsolute() || !Files.exists(path)) {
            return "device not present";
        }
        String why = "device not present: " + path + " exists, but discovery does not list it as a serial port "
                + "(a pseudo-terminal? add it to devicePaths in etc/" + DISCOVERY_PID + ".cfg)";
        if (!unlistedSaid) {
            unlistedSaid = true;
            LOG.warn("Bridge {}: {}", options.name(), why);
        }
        return why;
    }

    private void refuse(Socket socket, String why) {
        try (socket) {
            socket.getOutputStream().write(("outrigger: " + options.name() + ": " + why + "\r\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException ignored) {
            // the client did not wait for the reason
        }
    }

    /** Stops listening and closes every client; returns once the threads that let clients in have ended. */
    @Override
    public void close() {
        Thread accepting;
        synchronized (this) {
            closed = true;
            retries.shutdownNow();
            if (server != null) {
                LOG.info("Bridge {} stopped listening on {}:{}{}", options.name(), options.bind(), server.getLocalPort(),
                        clients.isEmpty() ? "" : "; closing " + clients.size() + " client(s)");
                closeQuietly(server);
            }
            closeClients("bridge stopped");
            taps.forEach(Tap::closed);
            changed.run();
            accepting = acceptor;
        }
        // joined without the monitor, which one of them may be waiting for to let its client in (and refuse
        // it); the acceptor first, which starts no handshake after it ended
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        try {
            if (accepting != null) {
                accepting.join(2_000);
            }
            handshaking.values().forEach(Bridge::closeQuietly);
            for (Thread handshake : handshaking.keySet()) {
                handshake.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }

    /**
     * Bytes from the device waiting for its clients, at most, shared among them (but at least
     * {@link #MIN_QUEUED} each): a client that stops reading is closed rather than allowed to hold
     * up the device and the other clients, or to grow the heap.
     */
    static final int MAX_QUEUED = 4 * 1024 * 1024;
    static final int MIN_QUEUED = 256 * 1024;
    private static final int SEND_BUFFER = 64 * 1024;
    /** How often an RFC 2217 client's modem lines are looked at: the read timeout's tick at most. */
    private static final long MODEM_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(900);

    private int queueLimit() {
        return Math.max(MIN_QUEUED, MAX_QUEUED / options.maxClients());
    }

    private final class Client extends Thread {
        private final Socket socket;
        private final ClientConnection connection;
        private final Rfc2217 telnet;
        private volatile long lastActivity = System.nanoTime();
        private long modemPolled = System.nanoTime();
        /**
         * Serial data held while the client has asked for FLOWCONTROL-SUSPEND, within the same
         * limit as a client that does not read; its monitor orders every write of serial data.
         */
        private final ByteArrayOutputStream held = new ByteArrayOutputStream();

        Client(Socket socket) throws IOException {
            super("outrigger-bridge-client " + socket.getRemoteSocketAddress());
            setDaemon(true);
            this.socket = socket;
            // a small kernel buffer: what a client does not read shows up in the bounded backlog
            socket.setSendBufferSize(SEND_BUFFER);
            connection = ClientConnection.of(socket, String.valueOf(socket.getRemoteSocketAddress()));
            telnet = options.mode() == Mode.RFC2217 ? new Rfc2217(Bridge.this::openPort, "Outrigger " + options.name(), this::dropHeld) : null;
            if (telnet != null) {
                try {
                    connection.write(telnet.greeting());
                } catch (IOException e) { // reset before its greeting: its selectors and writer thread go with it
                    connection.close(new byte[0]);
                    throw e;
                }
            }
        }

        @Override
        public void run() {
            byte[] buffer = new byte[4096];
            try {
                while (true) {
                    int n = connection.read(buffer);
                    if (n < 0) {
                        return;
                    }
                    if (telnet != null && System.nanoTime() - modemPolled > MODEM_POLL_NANOS) {
                        modemPolled = System.nanoTime();
                        byte[] notification = telnet.modemLinesChanged();
                        if (notification.length > 0) {
                            connection.write(notification);
                        }
                    }
                    if (n == 0) {
                        if (options.idleTimeoutSeconds() > 0
                                && System.nanoTime() - lastActivity > options.idleTimeoutSeconds() * 1_000_000_000L) {
                            close("idle for " + options.idleTimeoutSeconds() + " s");
                            return;
                        }
                        continue;
                    }
                    lastActivity = System.nanoTime();
                    SerialLink l = link;
                    if (telnet == null) {
                        if (l != null) {
                            tapped(true, buffer, n); // first: shown before the device can answer it
                            l.write(buffer, n);
                            toSerial.addAndGet(n);
                        }
                        continue;
                    }
                    ByteArrayOutputStream data = new ByteArrayOutputStream();
                    ByteArrayOutputStream replies = new ByteArrayOutputStream();
                    telnet.receive(buffer, n, data, replies);
                    if (l != null && data.size() > 0) {
                        byte[] bytes = data.toByteArray();
                        tapped(true, bytes, bytes.length);
                        l.write(bytes, bytes.length);
                        toSerial.addAndGet(bytes.length);
                    }
                    if (replies.size() > 0) {
                        connection.write(replies.toByteArray());
                    }
                    if (!telnet.suspended()) {
                        release();
                    }
                }
            } catch (IOException e) {
                if (KeepAlive.expired(e)) {
                    LOG.info("Bridge {}: client {}: {}; closed", options.name(), socket.getRemoteSocketAddress(),
                            NetworkFailures.STOPPED_ANSWERING);
                } else {
                    LOG.debug("Bridge {}: client {}: {}", options.name(), socket.getRemoteSocketAddress(), e.getMessage());
                }
            } finally {
                clients.remove(this);
                connection.close(new byte[0]);
                closeLinkIfIdle();
            }
        }

        /**
         * On the serial reader's thread: written at once, or kept within the limit; never blocks it.
         * While the client has suspended the flow, and until what was held meanwhile has gone out
         * after it resumed, the data is held, so that nothing is lost or reordered.
         */
        void send(byte[] data) {
            synchronized (held) {
                if (connection.waiting() + held.size() > queueLimit()) {
                    LOG.warn("Bridge {}: client {} does not read: more than {} KiB waiting; closed", options.name(),
                            socket.getRemoteSocketAddress(), queueLimit() / 1024);
                    close("closed: not reading (more than " + queueLimit() / 1024 + " KiB waiting)");
                    return;
                }
                byte[] out = telnet == null ? data : Rfc2217.escape(data);
                if (telnet != null && (telnet.suspended() || held.size() > 0)) {
                    held.writeBytes(out);
                    return;
                }
                try {
                    connection.write(out);
                } catch (IOException gone) {
                    // the client's own thread sees the same and cleans up
                }
            }
            lastActivity = System.nanoTime();
        }

        /** PURGE-DATA of the receive buffer: what was held is dropped, as the port's own buffer is. */
        private void dropHeld() {
            synchronized (held) {
                held.reset();
            }
        }

        /** After FLOWCONTROL-RESUME: what was held goes out, ahead of whatever the device sends next. */
        private void release() throws IOException {
            synchronized (held) {
                if (held.size() > 0) {
                    connection.write(held.toByteArray());
                    held.reset();
                }
            }
        }

        void close(String why) {
            clients.remove(this);
            connection.close(("\r\noutrigger: " + options.name() + ": " + why + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
    }
}
