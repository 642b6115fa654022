package dev.outrigger.remote;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.felix.utils.json.JSONWriter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.config.Settings;
import dev.outrigger.messaging.Message;
import dev.outrigger.messaging.Messaging;
import dev.outrigger.remote.RequestHandler.Origin;
import dev.outrigger.remote.RequestHandler.Reply;

/**
 * Answers configuration requests on {@code <root>/<gw>/config/<verb>} and on the topics of the
 * groups the gateway belongs to. Replies go to the MQTT 5 response topic with the request's
 * correlation data, or to {@code <root>/<gw>/config/reply/<requestId>}.
 */
@Component(configurationPid = RemoteConfig.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = RemoteConfigConfig.class)
public class RemoteConfig {

    static final String PID = "dev.outrigger.remote";

    private static final Logger LOG = LoggerFactory.getLogger(RemoteConfig.class);
    /** Requests waiting beyond this are refused at once: a flood must not queue up memory. */
    private static final int QUEUE = 64;

    private final Messaging messaging;
    private final RequestHandler handler;
    private final ThreadPoolExecutor worker;
    private final List<AutoCloseable> subscriptions = new ArrayList<>();
    private final OncePerMinute refused = new OncePerMinute(n -> LOG.warn(
            "Remote configuration: {} request(s) refused: more than the rate limit allows", n));
    private final OncePerMinute unanswerable = new OncePerMinute(n -> LOG.warn(
            "Remote configuration: {} request(s) answered with nowhere to reply: give an MQTT 5 response topic or a requestId", n));

    @Activate
    public RemoteConfig(@Reference Messaging messaging, @Reference Settings settings, @Reference Membership membership,
            RemoteConfigConfig config) {
        this.messaging = messaging;
        this.handler = new RequestHandler(settings, messaging.gatewayId(), new AllowList(config.allow()),
                signatures(config), config.maxRequestBytes(), new RateLimiter(config.requestsPerMinute(), System.nanoTime()),
                System::nanoTime);
        this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "outrigger-remote-config");
            t.setDaemon(true);
            return t;
        });
        if (!config.enabled()) {
            LOG.info("Remote configuration is disabled");
            return;
        }
        String own = messaging.topic("config/");
        subscriptions.add(messaging.subscribe(own + "+", 1, m -> accept(m, own, Origin.OWN)));
        for (String group : membership.groups()) {
            String prefix = messaging.fleetTopic("group/" + group + "/config/");
            subscriptions.add(messaging.subscribe(prefix + "+", 1, m -> accept(m, prefix, Origin.group(group))));
        }
        LOG.info("Remote configuration: answering on {}+{}", own,
                membership.groups().isEmpty() ? "" : " and for groups " + membership.groups());
    }

    @Deactivate
    void deactivate() {
        for (AutoCloseable s : subscriptions) {
            try {
                s.close();
            } catch (Exception e) {
                LOG.debug("Remote configuration: unsubscribing: {}", e.getMessage());
            }
        }
        worker.shutdownNow();
    }

    /** On the MQTT client's thread: hand off, never block it. */
    private void accept(Message message, String prefix, Origin origin) {
        if (message.retained()) {
            // a retained request would be carried out again on every reconnect
            LOG.warn("Remote configuration: retained request on {} ignored; publish requests without retain", message.topic());
            return;
        }
        String verb = message.topic().substring(prefix.length());
        try {
            worker.execute(() -> {
                try {
                    answer(verb, message, origin);
                } catch (RuntimeException e) {
                    LOG.error("Remote configuration: {} request on {} failed: {}", verb, message.topic(), e.toString());
                }
            });
        } catch (RejectedExecutionException e) {
            refused.occurred();
        }
    }

    private void answer(String verb, Message message, Origin origin) {
        Reply reply = handler.handle(verb, message.payload(), origin);
        boolean limited = reply.errorKind().filter("rate_limited"::equals).isPresent();
        if (limited) {
            refused.occurred();
        }
        Optional<String> topic = message.responseTopic()
                .or(() -> reply.requestId().map(id -> messaging.topic("config/reply/" + id)));
        if (topic.isEmpty()) {
            if (!limited) {
                unanswerable.occurred();
            }
            return;
        }
        messaging.publish(new Message(topic.get(), json(reply), 1, false, Optional.empty(), message.correlationData()))
                .exceptionally(e -> {
                    LOG.warn("Remote configuration: cannot reply on {}: {}", topic.get(), e.getMessage());
                    return null;
                });
    }

    private static byte[] json(Reply reply) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStreamWriter w = new OutputStreamWriter(out, StandardCharsets.UTF_8)) {
            new JSONWriter(w).value(reply.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** No key file: unsigned requests are accepted. A key file: read on each request. */
    private static Optional<Signatures> signatures(RemoteConfigConfig config) {
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
                    LOG.info("Remote configuration: signing key {} readable again", file);
                }
                return Optional.of(key);
            } catch (IOException e) {
                if (!failing.getAndSet(true)) {
                    LOG.error("Remote configuration: cannot read the signing key {} ({}); every request is refused until it can be read",
                            file, e.getMessage());
                }
                return Optional.empty();
            }
        }, config.maxSkewSeconds(), Clock.systemUTC()));
    }
}
