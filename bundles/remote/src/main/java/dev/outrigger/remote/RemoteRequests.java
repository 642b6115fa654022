package dev.outrigger.remote;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.config.Settings;
import dev.outrigger.framework.json.Json;
import dev.outrigger.framework.logging.OncePerMinute;
import dev.outrigger.framework.threads.Daemons;
import dev.outrigger.framework.updates.UnconfirmedUpdates;
import dev.outrigger.messaging.Message;
import dev.outrigger.messaging.Messaging;
import dev.outrigger.remote.RequestHandler.Origin;
import dev.outrigger.remote.RequestHandler.Reply;

/**
 * Answers requests on {@code <root>/<gw>/<kind>/<verb>} and on the topics of the groups the
 * gateway belongs to: {@code config} (remote configuration) and, when enabled, {@code bundles}
 * (remote bundle management). Replies go to the MQTT 5 response topic with the request's
 * correlation data, or to {@code <root>/<gw>/<kind>/reply/<requestId>}. One worker thread carries
 * the requests out in order; the rate limit and the signing key are shared by both kinds.
 */
@Component(configurationPid = RemoteRequests.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = RemoteRequestsConfig.class)
public class RemoteRequests {

    /**
     * A kind of request: its topic segment, its verbs, how its log lines begin, and who hears this
     * gateway's own announcements on {@code <segment>/events} come back.
     */
    private record Kind(String segment, String label, RequestHandler handler, Consumer<byte[]> events) {
    }

    static final String PID = "dev.outrigger.remote";

    private static final Logger LOG = LoggerFactory.getLogger(RemoteRequests.class);
    /** Requests waiting beyond this are refused at once: a flood must not queue up memory. */
    private static final int QUEUE = 64;
    /** How long a reply waits for the connection to come back, when sending it found none. */
    private static final long REPLY_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** Where announcements go, next to the verbs' topics ({@code bundles/events}, {@code config/events}): never a request. */
    static final String EVENTS = "events";

    private final Messaging messaging;
    private final BundleContext context;
    /** Present when updates of the channel's bundles wait to be confirmed. */
    private final Optional<UpdateConfirmations> confirmations;
    private final ThreadPoolExecutor worker;
    /** The subscriptions, and the bundle verbs with their probations: ended with the component. */
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final OncePerMinute refused = new OncePerMinute();
    private final OncePerMinute unanswerable = new OncePerMinute();

    @Activate
    public RemoteRequests(@Reference Messaging messaging, @Reference Settings settings, @Reference Membership membership,
            @Reference UplinkChanges uplinkChanges, RemoteRequestsConfig config, BundleContext context) {
        this.messaging = messaging;
        this.context = context;
        this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), Daemons.named("outrigger-remote"));
        Optional<Signatures> signatures = signatures(config);
        RateLimiter rate = new RateLimiter(config.requestsPerMinute(), System.nanoTime());
        List<Kind> kinds = new ArrayList<>();
        if (config.enabled()) {
            kinds.add(new Kind("config", "Remote configuration", new RequestHandler(new ConfigVerbs(settings,
                    new AllowList(config.allow()), uplinkChanges), messaging.gatewayId(), signatures, config.maxRequestBytes(), rate, System::nanoTime),
                    uplinkChanges::heard));
        } else {
            LOG.info("Remote configuration is disabled");
        }
        // where the launcher rolls back what is not confirmed (not in a bare framework): updates of the
        // channel's bundles wait there to be confirmed
        Optional<UnconfirmedUpdates> unconfirmed = Optional.ofNullable(context.getProperty(UnconfirmedUpdates.FOLDER_PROPERTY))
                .filter(d -> config.bundles() && config.probationSeconds() > 0)
                .map(d -> new UnconfirmedUpdates(Path.of(d)));
        this.confirmations = unconfirmed.map(u -> new UpdateConfirmations(u, this::publishEvent, messaging::isConnected));
        confirmations.ifPresent(closeables::add);
        if (config.bundles()) {
            BundleVerbs verbs = new BundleVerbs(context, channel(context, messaging, settings), home(context),
                    config.maxBundleBytes(), signatures.isPresent(), Duration.ofSeconds(config.probationSeconds()),
                    unconfirmed, this::publishEvent);
            closeables.add(verbs);
            kinds.add(new Kind("bundles", "Remote bundles", new RequestHandler(verbs, messaging.gatewayId(), signatures,
                    config.maxRequestBytes(), rate, System::nanoTime),
                    payload -> confirmations.ifPresent(c -> c.heard(payload))));
            if (signatures.isEmpty()) {
                LOG.warn("Remote bundles: every request is refused until hmacKeyFile is set: installing a bundle is running code");
            }
        }
        for (Kind kind : kinds) {
            String own = messaging.topic(kind.segment() + "/");
            closeables.add(messaging.subscribe(own + "+", 1, m -> accept(m, own, Origin.OWN, kind)));
            for (String group : membership.groups()) {
                String prefix = messaging.fleetTopic("group/" + group + "/" + kind.segment() + "/");
                closeables.add(messaging.subscribe(prefix + "+", 1, m -> accept(m, prefix, Origin.group(group), kind)));
            }
            LOG.info("{}: answering on {}+{}", kind.label(), own,
                    membership.groups().isEmpty() ? "" : " and for groups " + membership.groups());
        }
    }

    /** The bundles a request and its reply pass through: changing one of them takes this component down with it. */
    private static Set<Long> channel(BundleContext context, Messaging messaging, Settings settings) {
        Set<Long> ids = new HashSet<>();
        Bundle self = context.getBundle();
        ids.add(self.getBundleId());
        ids.add(FrameworkUtil.getBundle(messaging.getClass()).getBundleId());
        ids.add(FrameworkUtil.getBundle(settings.getClass()).getBundleId());
        for (BundleWire wire : self.adapt(BundleWiring.class).getRequiredWires(null)) {
            ids.add(wire.getProvider().getBundle().getBundleId());
        }
        return Set.copyOf(ids);
    }

    private static Optional<Path> home(BundleContext context) {
        return Optional.ofNullable(context.getProperty("outrigger.home")).map(Path::of);
    }

    @Deactivate
    void deactivate() {
        for (AutoCloseable s : closeables) {
            try {
                s.close();
            } catch (Exception e) {
                LOG.debug("Remote requests: closing: {}", e.getMessage());
            }
        }
        // taken in, so answered: what waits is not carried out by a component on its way out
        List<Runnable> waiting = new ArrayList<>();
        worker.getQueue().drainTo(waiting);
        worker.shutdownNow();
        for (Runnable r : waiting) {
            Request request = (Request) r;
            reply(request.message, request.kind, notCarriedOut(request.verb, request.message, request.kind));
        }
        if (!waiting.isEmpty()) {
            LOG.warn("Remote requests: {} waiting request(s) answered as not carried out: remote requests are restarting",
                    waiting.size());
        }
    }

    private static Reply notCarriedOut(String verb, Message message, Kind kind) {
        return kind.handler().notCarriedOut(verb, message.payload(), "not carried out, nothing applied: remote requests "
                + "were restarting (a configuration or bundle change); send it again");
    }

    /** A request waiting for the worker. */
    private final class Request implements Runnable {
        final String verb;
        final Message message;
        final Origin origin;
        final Kind kind;

        Request(String verb, Message message, Origin origin, Kind kind) {
            this.verb = verb;
            this.message = message;
            this.origin = origin;
            this.kind = kind;
        }

        @Override
        public void run() {
            try {
                answer(verb, message, origin, kind);
            } catch (RuntimeException e) {
                LOG.error("{}: {} request on {} failed: {}", kind.label(), verb, message.topic(), e.toString());
            }
        }
    }

    /** On the MQTT client's thread: hand off, never block it. */
    private void accept(Message message, String prefix, Origin origin, Kind kind) {
        if (message.retained()) {
            // a retained request would be carried out again on every reconnect
            LOG.warn("{}: retained request on {} ignored; publish requests without retain", kind.label(), message.topic());
            return;
        }
        String verb = message.topic().substring(prefix.length());
        if (verb.equals(EVENTS)) {
            // not a request: what this gateway announces, heard back
            if (origin.equals(Origin.OWN)) {
                kind.events().accept(message.payload());
            }
            return;
        }
        try {
            worker.execute(new Request(verb, message, origin, kind));
        } catch (RejectedExecutionException e) {
            if (worker.isShutdown()) {
                reply(message, kind, notCarriedOut(verb, message, kind));
            } else {
                refusedByTheRateLimit();
            }
        }
    }

    private void refusedByTheRateLimit() {
        refused.occurred(n -> LOG.warn("Remote requests: {} refused: more than the rate limit allows", n));
    }

    private void answer(String verb, Message message, Origin origin, Kind kind) {
        Reply reply = kind.handler().handle(verb, message.payload(), origin);
        if (reply.errorKind().filter("rate_limited"::equals).isPresent()) {
            refusedByTheRateLimit();
        }
        reply(message, kind, reply);
    }

    private void reply(Message message, Kind kind, Reply reply) {
        Optional<String> topic = message.responseTopic()
                .or(() -> reply.requestId().map(id -> messaging.topic(kind.segment() + "/reply/" + id)));
        if (topic.isEmpty()) {
            if (reply.errorKind().filter("rate_limited"::equals).isEmpty()) {
                unanswerable.occurred(n -> LOG.warn(
                        "Remote requests: {} answered with nowhere to reply: give an MQTT 5 response topic or a requestId", n));
            }
            reply.afterwards().run();
            return;
        }
        publishReply(new Message(topic.get(), Json.bytes(reply.body()), 1, false, Optional.empty(), message.correlationData()),
                kind, reply.afterwards(), System.nanoTime() + REPLY_WAIT_NANOS);
    }

    /**
     * The connection may be down as the reply is sent: the broker restarting, or the connection
     * replaced (and this component with it) by a change of its configuration from the shell or a
     * file. The reply then goes out through the connection there is now, once it is connected,
     * within {@link #REPLY_WAIT_NANOS}.
     */
    private void publishReply(Message reply, Kind kind, Runnable afterwards, long deadline) {
        ServiceReference<Messaging> current = context.getServiceReference(Messaging.class);
        Messaging now = current == null ? null : context.getService(current);
        Messaging via = now != null ? now : messaging;
        try {
            if (!via.isConnected() && System.nanoTime() - deadline < 0) {
                retryReply(reply, kind, afterwards, deadline); // the new connection, still being made
                return;
            }
            via.publish(reply).whenComplete((done, e) -> {
                if (e != null && !via.isConnected() && System.nanoTime() - deadline < 0) {
                    retryReply(reply, kind, afterwards, deadline);
                    return;
                }
                if (e != null) {
                    LOG.warn("{}: cannot reply on {}: {}", kind.label(), reply.topic(), e.getMessage());
                }
                afterwards.run();
            });
        } finally {
            if (now != null) {
                context.ungetService(current);
            }
        }
    }

    private void retryReply(Message reply, Kind kind, Runnable afterwards, long deadline) {
        CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS).execute(() -> publishReply(reply, kind, afterwards, deadline));
    }

    private CompletionStage<Void> publishEvent(Map<String, Object> event) {
        return messaging.publish(new Message(messaging.topic("bundles/" + EVENTS), Json.bytes(event), 1, false, Optional.empty(),
                Optional.empty()));
    }

    /** No key file: unsigned requests are accepted. A key file: read on each request. */
    private static Optional<Signatures> signatures(RemoteRequestsConfig config) {
        if (config.hmacKeyFile().isEmpty()) {
            return Optional.empty();
        }
        Path file = Path.of(config.hmacKeyFile());
        AtomicBoolean failing = new AtomicBoolean();
        return Optional.of(new Signatures(() -> {
            try {
                byte[] key = Files.readString(file).strip().getBytes(StandardCharsets.UTF_8);
                if (key.length == 0) {
                    throw new IOException("the file is empty");
                }
                if (failing.getAndSet(false)) {
                    LOG.info("Remote requests: signing key {} readable again", file);
                }
                return Optional.of(key);
            } catch (IOException e) {
                if (!failing.getAndSet(true)) {
                    LOG.error("Remote requests: cannot read the signing key {} ({}); every request is refused until it can be read",
                            file, e.getMessage());
                }
                return Optional.empty();
            }
        }, config.maxSkewSeconds(), Clock.systemUTC()));
    }
}
