package dev.outrigger.broker;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import dev.outrigger.framework.logging.Printable;
import dev.outrigger.framework.net.NetworkFailures;
import dev.outrigger.tls.PemTls;

/**
 * The broker: one event-loop thread, the connected clients, the persistent sessions of
 * disconnected ones and the retained messages in memory, and in a {@link BrokerStore} across
 * restarts (the gateway's own durability is its outbox).
 */
final class MqttBroker implements AutoCloseable {

    /**
     * @param maxClients                connected clients at most, and sessions kept for disconnected ones at most
     * @param maxQueuedPerClient        QoS 1 messages waiting per client, connected or not
     * @param maxSessionExpirySeconds   the longest a persistent session outlives its connection; 0: none do
     * @param autosaveSeconds           how often the persistent sessions that changed are saved
     */
    record Settings(String bind, int port, int maxClients, int maxPacketBytes, int maxQueuedPerClient, long maxRetainedBytes,
            long maxSessionExpirySeconds, long autosaveSeconds, Access access) {
    }

    /**
     * Who may connect and how: an empty password file lets anyone in; a certificate makes the
     * listener TLS, and a client CA makes it require client certificates that CA signed. An ACL
     * file limits the topics each may publish and read; without one, all are open to all.
     */
    record Access(String passwordFile, String tlsCertFile, String tlsKeyFile, String tlsClientCaFile, String aclFile) {
        static final Access OPEN = new Access("", "", "", "", "");

        boolean tls() {
            return !tlsCertFile.isEmpty();
        }
    }

    /** @param denied publications the ACL file refused */
    record Stats(long received, long delivered, long dropped, int clients, int retained, long refused, long denied) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(MqttBroker.class);
    private static final long MAX_RETRY_MILLIS = 30_000;
    private static final long MINUTE_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** Topic filters per client at most. */
    static final int MAX_SUBSCRIPTIONS = 1000;

    private final Settings settings;
    private final EventLoopGroup loop = new NioEventLoopGroup(1, new DefaultThreadFactory("outrigger-broker", true));
    private final Map<String, ClientSession> clients = new ConcurrentHashMap<>();
    private final Map<String, Publication> retained = new ConcurrentHashMap<>();
    private final BrokerStore store;
    /** Persistent sessions of clients not connected, by client id. */
    private final Map<String, Session> parked = new ConcurrentHashMap<>();
    private final LongAdder received = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder denied = new LongAdder();
    private final PasswordFile passwords;
    private final AclFile acl;
    /** Made from the PEM files on the event loop before listening; null without TLS. */
    private SSLContext tls;
    /** When each kind of complaint (its message format) was last logged. */
    private final Map<String, AtomicLong> lastComplaints = new ConcurrentHashMap<>();
    private final AtomicLong anonymous = new AtomicLong();
    private long retainedBytes;
    private final ClosesOnFailure closesOnFailure = new ClosesOnFailure();
    private volatile Channel server;
    /** Why the last attempt to listen failed; null once one worked. */
    private volatile String notListening;
    private volatile boolean closing;

    /**
     * @param store the retained messages and sessions of an earlier broker, kept up to date by this
     *        one; not closed by it
     */
    MqttBroker(Settings settings, BrokerStore store) {
        this.settings = settings;
        this.store = store;
        if (settings.maxSessionExpirySeconds() > 0) {
            store.sessions().stream().limit(settings.maxClients()).forEach(s -> parked.put(s.clientId(), s));
        }
        for (Publication p : store.retained()) {
            if (retainedBytes + p.payload().length <= settings.maxRetainedBytes()) {
                retained.put(p.topic(), p);
                retainedBytes += p.payload().length;
            } else {
                store.remove(p.topic()); // maxRetainedMegabytes was lowered
            }
        }
        String passwordFile = settings.access().passwordFile();
        this.passwords = passwordFile.isEmpty() ? null : new PasswordFile(Path.of(passwordFile));
        String aclFile = settings.access().aclFile();
        this.acl = aclFile.isEmpty() ? null : new AclFile(Path.of(aclFile));
    }

    /**
     * Listens, or keeps trying with backoff (1 s doubling to 30 s) while the address is taken or
     * missing; the first failure and the eventual success are logged.
     */
    void start() {
        loop.execute(() -> tryBind(0, 1000));
        loop.scheduleWithFixedDelay(this::expireSessions, 10, 10, TimeUnit.SECONDS);
        if (store.persistent()) {
            // so that a killed process loses a few seconds of the sessions at most, and a store a
            // failure closed is written anew within as long once it can be
            loop.scheduleWithFixedDelay(this::save, settings.autosaveSeconds(), settings.autosaveSeconds(), TimeUnit.SECONDS);
        }
    }

    private void tryBind(int failures, long retryMillis) {
        if (closing) {
            return;
        }
        Access access = settings.access();
        if (access.tls() && tls == null) {
            try {
                // renewed files are taken up by the next handshake
                tls = PemTls.renewing(access.tlsClientCaFile(), access.tlsCertFile(), access.tlsKeyFile(),
                        why -> LOG.warn("Embedded MQTT broker: {}", why));
            } catch (IOException | GeneralSecurityException e) {
                notListening = "Embedded MQTT broker cannot use its TLS files (" + (e instanceof NoSuchFileException
                        ? "no such file: " + e.getMessage() : e.getMessage()) + ")";
                if (failures == 0) {
                    LOG.warn("{}; not listening until they are usable, retrying every {} s at most", notListening,
                            MAX_RETRY_MILLIS / 1000);
                }
                retry(failures, retryMillis);
                return;
            }
        }
        new ServerBootstrap().group(loop).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 64)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 1024 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast(new SslHandler(serverEngine()));
                        }
                        ch.pipeline().addLast(new BridgeConnect(), new MqttDecoder(settings.maxPacketBytes()), MqttEncoder.INSTANCE,
                                new ClientSession(MqttBroker.this), closesOnFailure);
                    }
                })
                .bind(settings.bind(), settings.port()).addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess()) {
                        notListening = null;
                        server = f.channel();
                        if (closing) {
                            server.close();
                            return;
                        }
                        boolean clientCertificates = tls != null && !access.tlsClientCaFile().isEmpty();
                        LOG.info("Embedded MQTT broker listening on {}:{}{}{}", settings.bind(), address().getPort(),
                                tls == null ? "" : clientCertificates ? " (TLS, client certificates required)" : " (TLS)",
                                failures > 0 ? " after " + failures + " failed attempt(s)" : "");
                        if (passwords == null && !clientCertificates && !address().getAddress().isLoopbackAddress()) {
                            LOG.warn("Embedded MQTT broker is reachable beyond this host on {} and does not authenticate"
                                    + " clients: use it on loopback, or set passwordFile or tlsClientCaFile", settings.bind());
                        }
                    } else {
                        notListening = "Embedded MQTT broker cannot listen on " + settings.bind() + ":" + settings.port() + " ("
                                + NetworkFailures.inWords(f.cause()).orElse(f.cause().getMessage()) + ")";
                        if (failures == 0) {
                            LOG.warn("{}; retrying every {} s at most", notListening, MAX_RETRY_MILLIS / 1000);
                        }
                        retry(failures, retryMillis);
                    }
                });
    }

    private void retry(int failures, long retryMillis) {
        if (!loop.isShuttingDown()) {
            loop.schedule(() -> tryBind(failures + 1, Math.min(retryMillis * 2, MAX_RETRY_MILLIS)), retryMillis,
                    TimeUnit.MILLISECONDS);
        }
    }

    private SSLEngine serverEngine() {
        SSLEngine engine = tls.createSSLEngine();
        engine.setUseClientMode(false);
        engine.setNeedClientAuth(!settings.access().tlsClientCaFile().isEmpty());
        return engine;
    }

    /** Why it does not listen, while an attempt has failed and none has worked since. */
    Optional<String> notListening() {
        return Optional.ofNullable(notListening);
    }

    /** The address listened on, or null while not (yet) listening. */
    InetSocketAddress address() {
        Channel s = server;
        return s == null ? null : (InetSocketAddress) s.localAddress();
    }

    Settings settings() {
        return settings;
    }

    /**
     * Admits a connected client under its id. A client already connected under that id is taken
     * over (closed), as MQTT requires. False when the broker is full.
     */
    boolean admit(ClientSession session) {
        ClientSession previous = clients.get(session.clientId());
        if (previous == null && clients.size() >= settings.maxClients()) {
            return false;
        }
        previous = clients.put(session.clientId(), session);
        if (previous != null) {
            previous.takenOver();
        }
        return true;
    }

    /** Whether a client with these credentials may connect: anyone, unless a password file is set. */
    boolean authenticates(String user, byte[] password) {
        return passwords == null || passwords.accepts(user, password);
    }

    /** Whether the client may publish to the topic; a refusal is counted and logged within the complaint limit. */
    boolean mayPublish(ClientSession client, String topic) {
        return acl == null || acl.mayPublish(client.user(), client.clientId(), topic)
                || denied(client, topic);
    }

    /** Who may receive what, for one routing: the ACL file is looked at once, not once per receiver. */
    interface ReadAccess {
        boolean allows(Session receiver, String topic);
    }

    private static final ReadAccess EVERYONE = (receiver, topic) -> true;

    /** Who may receive what as the ACL file says now; without one, everyone everything. */
    ReadAccess readAccess() {
        if (acl == null) {
            return EVERYONE;
        }
        AclFile.Rules rules = acl.rules();
        return (receiver, topic) -> rules.mayRead(receiver.user(), receiver.clientId(), topic);
    }

    private boolean denied(ClientSession client, String topic) {
        denied.increment();
        complain("MQTT client {} may not publish to '{}' ({}); dropped", client.who(), topic, acl.file());
        return false;
    }

    /** The ACL file and its rule count, or null without one. */
    String aclSummary() {
        return acl == null ? null : acl.file() + ", " + acl.size() + " rule(s)";
    }

    /** A connection refused for its credentials: counted, and logged within the complaint limit. */
    void refused(ClientSession session, String why) {
        refused.increment();
        complain("MQTT client {} refused: {}", session.who(), why);
    }

    /**
     * The session a connecting client resumes: the one kept for its id, unless it asks to start
     * clean (which ends the kept one) or the kept one expired; null for a new session.
     */
    Session resume(String clientId, boolean cleanStart) {
        Session kept = parked.remove(clientId);
        return cleanStart || kept == null || kept.expired(System.nanoTime()) ? null : kept;
    }

    /** Keeps a persistent session whose connection ended, with what it had not finished. */
    void park(Session session, Delivery delivery) {
        if (parked.size() >= settings.maxClients() && !parked.containsKey(session.clientId())) {
            complain("Embedded MQTT broker keeps {} sessions already; that of {} ends with its connection",
                    settings.maxClients(), session.clientId());
            return;
        }
        session.park(delivery.inflight(), delivery.queued(), System.nanoTime());
        parked.put(session.clientId(), session);
    }

    private void expireSessions() {
        long now = System.nanoTime();
        parked.values().removeIf(s -> s.expired(now));
    }

    /**
     * On the event loop: the persistent sessions, of connected clients too, into the store (one
     * of a client connected at the time ends its expiry after the next start); everything, the
     * retained messages too, when a failure closed the store.
     */
    private void save() {
        Map<String, Session> kept = new HashMap<>(parked);
        for (ClientSession c : clients.values()) {
            Session s = c.persistentState();
            if (s != null) {
                kept.put(s.clientId(), s);
            }
        }
        if (store.broken()) {
            List<Publication> now;
            synchronized (this) {
                now = List.copyOf(retained.values());
            }
            store.rewrite(now, kept.values());
        } else {
            store.sessions(kept.values());
        }
    }

    /** Sessions kept for disconnected clients, and the messages waiting in them. */
    record Kept(long sessions, long waiting) {
    }

    /** What is kept for disconnected clients; -1s if the event loop does not answer. */
    Kept keptSessions() {
        return onLoop(() -> new Kept(parked.size(), parked.values().stream().mapToLong(Session::waiting).sum()),
                new Kept(-1, -1));
    }

    /**
     * The answer of a question asked on the event loop, which owns the clients' state, for the
     * shell; {@code unanswered} if the loop is busy for a second or gone.
     */
    <T> T onLoop(Callable<T> question, T unanswered) {
        return onLoop(question, unanswered, 1);
    }

    private <T> T onLoop(Callable<T> question, T unanswered, int seconds) {
        try {
            return loop.submit(question).get(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unanswered;
        } catch (ExecutionException | TimeoutException | RejectedExecutionException busyOrGone) {
            return unanswered;
        }
    }

    void leave(ClientSession session) {
        clients.remove(session.clientId(), session);
    }

    String assignClientId() {
        return "outrigger-broker-" + anonymous.incrementAndGet();
    }

    /** Stores or clears the retained message of the topic, and offers the message to every client. */
    void route(ClientSession from, Publication message) {
        received.increment();
        if (message.retain()) {
            retain(message);
        }
        ReadAccess access = readAccess();
        for (ClientSession client : clients.values()) {
            client.offer(from, message, access);
        }
        for (Session away : parked.values()) {
            Delivery.Outgoing outgoing = away.match(from.clientId(), message);
            if (outgoing != null && !access.allows(away, message.topic())) {
                continue;
            }
            if (outgoing != null && !away.keep(outgoing, settings.maxQueuedPerClient())) {
                dropped();
                complain("MQTT client {} is away and {} messages wait for it already; more are dropped ({} so far)",
                        away.clientId(), settings.maxQueuedPerClient(), away.dropped());
            }
        }
    }

    /** Stores (or, for an empty payload, clears) the retained message of its topic, within the bound. */
    private synchronized void retain(Publication message) {
        Publication previous = retained.get(message.topic());
        long grows = message.payload().length - (previous == null ? 0 : previous.payload().length);
        if (message.payload().length == 0) {
            unretain(previous);
        } else if (retainedBytes + grows > settings.maxRetainedBytes()) {
            complain("Embedded MQTT broker: retained messages fill {} KiB; {} not retained",
                    settings.maxRetainedBytes() / 1024, message.topic());
        } else {
            retained.put(message.topic(), message);
            retainedBytes += grows;
            store.put(message);
        }
    }

    private synchronized void unretain(Publication message) {
        if (message != null && retained.remove(message.topic(), message)) {
            retainedBytes -= message.payload().length;
            store.remove(message.topic());
        }
    }

    /** The retained messages on topics the filter matches; those whose expiry ran out are dropped. */
    void retained(String filter, Consumer<Publication> each) {
        long now = System.nanoTime();
        for (Publication p : retained.values()) {
            if (p.expired(now)) {
                unretain(p);
            } else if (Topics.matches(filter, p.topic())) {
                each.accept(p);
            }
        }
    }

    void delivered() {
        delivered.increment();
    }

    void dropped() {
        dropped.increment();
    }

    boolean closing() {
        return closing;
    }

    /**
     * Each kind of problem with clients is logged at most once a minute, so that one reconnecting
     * in a loop cannot flood the log, nor hide another kind of problem. What clients sent (their
     * ids, topics) is logged without control characters.
     */
    void complain(String format, Object... args) {
        // the running time, not the wall clock: a clock set back (a Pi without RTC) must not silence them
        long now = System.nanoTime();
        AtomicLong lastComplaint = lastComplaints.computeIfAbsent(format, f -> new AtomicLong(now - MINUTE_NANOS));
        long last = lastComplaint.get();
        if (now - last >= MINUTE_NANOS && lastComplaint.compareAndSet(last, now)) {
            LOG.warn(format, Arrays.stream(args).map(a -> a instanceof String text ? Printable.line(text) : a).toArray());
        }
    }

    BrokerStore store() {
        return store;
    }

    Stats stats() {
        return new Stats(received.sum(), delivered.sum(), dropped.sum(), clients.size(), retained.size(), refused.sum(),
                denied.sum());
    }

    List<ClientSession> clients() {
        return new ArrayList<>(clients.values());
    }

    /**
     * The end of every client's pipeline: a failure, the client gone or a fault of ours, closes
     * that connection only, with one line at most.
     */
    @ChannelHandler.Sharable
    private final class ClosesOnFailure extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof NotSslRecordException) {
                complain("MQTT client from {} does not speak TLS, which this listener requires; disconnected",
                        ClientSession.address(ctx.channel()));
            } else if (cause.getCause() instanceof SSLException tls) {
                complain("MQTT client from {}: TLS handshake failed ({}); disconnected", ClientSession.address(ctx.channel()),
                        tls.getMessage());
            } else if (!(cause instanceof IOException)) {
                ClientSession session = ctx.pipeline().get(ClientSession.class);
                complain("MQTT client {} failed: {}; disconnected",
                        session == null ? "from " + ClientSession.address(ctx.channel()) : session.who(), cause.toString());
            }
            ctx.close();
        }
    }

    /** Keeps the persistent sessions, those of connected clients too, in the store before the connections close. */
    @Override
    public void close() {
        closing = true;
        // thousands of waiting messages take a moment to write; the store must not be closed under it
        boolean kept = onLoop(() -> {
            save();
            return true;
        }, false, 10);
        if (!kept && settings.maxSessionExpirySeconds() > 0) {
            LOG.warn("Embedded MQTT broker: the persistent sessions could not be written within 10 s; they may end with "
                    + "this stop");
        }
        Channel s = server;
        if (s != null) {
            s.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
