package dev.outrigger.meshtastic;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.framework.json.Json;
import dev.outrigger.framework.logging.OncePerMinute;
import dev.outrigger.framework.threads.Daemons;
import dev.outrigger.mesh.MeshRadio;
import dev.outrigger.mesh.MeshRadio.Hop;
import dev.outrigger.mesh.MeshRadio.MeshNode;
import dev.outrigger.messaging.Message;
import dev.outrigger.messaging.Messaging;

/**
 * The mesh commands over MQTT, through the first live radio. {@code <root>/<gw>/mesh/send} with
 * {@code {"text": "...", "to": "!a1b2c3d4", "channel": 0}} (or the channel's name), like {@code mesh:send}: an MQTT 5
 * response topic gets {@code {"packetId": ..., "outcome": "acked" | "implicitly_acked" | "failed",
 * "reason": ...}} once the mesh has answered. {@code <root>/<gw>/mesh/traceroute} with
 * {@code {"to": "!a1b2c3d4", "channel": 0}}, like {@code mesh:traceroute}: {@code {"outcome":
 * "answered", "towards": [{"id", "name", "snr"}, ...], "back": [...]}} or {@code "failed"} with the
 * reason. Active only when the mqtt feature is. Requests are carried out one at a time on a thread of
 * their own, never on the MQTT client's: a radio that stops taking what is written to it (its
 * firmware hung with its USB port still there) holds up the mesh requests, not remote configuration.
 */
@Component
public class MeshOverMqtt {

    private static final Logger LOG = LoggerFactory.getLogger(MeshOverMqtt.class);
    private static final int MAX_REQUEST = 4096;
    /** Requests waiting for the one under way: more are refused as busy. */
    private static final int MAX_WAITING = 64;

    private final Messaging messaging;
    private final List<MeshRadio> radios;
    private final List<AutoCloseable> subscriptions;
    private final OncePerMinute refused = new OncePerMinute();
    private final ExecutorService requests = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(MAX_WAITING), Daemons.named("outrigger-mesh-requests"));

    @Activate
    public MeshOverMqtt(@Reference Messaging messaging,
            @Reference(policyOption = ReferencePolicyOption.GREEDY) List<MeshRadio> radios) {
        this.messaging = messaging;
        this.radios = radios;
        this.subscriptions = List.of(messaging.subscribe(messaging.topic("mesh/send"), 1, m -> handOff("send", m, this::send)),
                messaging.subscribe(messaging.topic("mesh/traceroute"), 1, m -> handOff("traceroute", m, this::traceroute)));
    }

    @Deactivate
    void deactivate() throws Exception {
        for (AutoCloseable subscription : subscriptions) {
            subscription.close();
        }
        requests.shutdownNow();
        requests.awaitTermination(2, TimeUnit.SECONDS);
    }

    private void handOff(String verb, Message request, BiConsumer<Map<String, Object>, Message> action) {
        try {
            requests.execute(() -> handle(verb, request, action));
        } catch (RejectedExecutionException e) {
            refuse(verb, request, "busy: " + MAX_WAITING + " requests wait for the radio");
        }
    }

    private void send(Map<String, Object> body, Message request) {
        if (!(body.get("text") instanceof String text)) {
            throw new IllegalArgumentException("\"text\" is required");
        }
        MeshRadio radio = live();
        MeshRadio.Sending sending = radio.send(text, destination(body), channel(radio, body));
        sending.delivery().thenAccept(d -> {
            Map<String, Object> reply = new LinkedHashMap<>();
            reply.put("packetId", d.packetId());
            reply.put("outcome", d.outcome().name().toLowerCase(Locale.ROOT));
            reply.put("reason", d.reason());
            respond(request, reply);
        });
    }

    private void traceroute(Map<String, Object> body, Message request) {
        long to = destination(body).orElseThrow(() -> new IllegalArgumentException("\"to\" is required: the node to trace"));
        MeshRadio radio = live();
        radio.traceroute(to, channel(radio, body)).whenComplete((route, failure) -> {
            Map<String, Object> reply = new LinkedHashMap<>();
            if (failure == null) {
                Map<Long, String> names = new LinkedHashMap<>();
                radio.nodes().forEach(n -> names.putIfAbsent(n.num(), n.longName()));
                reply.put("outcome", "answered");
                reply.put("towards", hops(route.towards(), names));
                reply.put("back", hops(route.back(), names));
            } else {
                Throwable why = failure instanceof CompletionException ? failure.getCause() : failure;
                reply.put("outcome", "failed");
                reply.put("reason", why instanceof TimeoutException ? "no answer" : why.getMessage());
            }
            respond(request, reply);
        });
    }

    private static List<Map<String, Object>> hops(List<Hop> hops, Map<Long, String> names) {
        return hops.stream().map(h -> {
            Map<String, Object> hop = new LinkedHashMap<>();
            hop.put("id", MeshNode.id(h.num()));
            hop.put("name", names.getOrDefault(h.num(), ""));
            hop.put("snr", h.snr());
            return hop;
        }).toList();
    }

    private void handle(String verb, Message request, BiConsumer<Map<String, Object>, Message> action) {
        try {
            if (request.payload().length > MAX_REQUEST) {
                throw new IllegalArgumentException("request over " + MAX_REQUEST + " bytes");
            }
            action.accept(Json.object(request.payload()), request);
        } catch (RuntimeException e) {
            refuse(verb, request, e.getMessage());
        }
    }

    private void refuse(String verb, Message request, String why) {
        // the requester hears why on its response topic; the log is not for a flood of them
        refused.occurred(n -> LOG.warn("Meshtastic: mesh/{} refused {} request(s) since the last such line, the last: {}",
                verb, n, why));
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("outcome", "failed");
        reply.put("reason", why);
        respond(request, reply);
    }

    /**
     * A node id in quotes, and a channel index: a number where an id was meant would send to everyone
     * on the primary channel by mistake, and a private message cannot be taken back.
     */
    private static OptionalLong destination(Map<String, Object> body) {
        if (!(body.getOrDefault("to", "") instanceof String id)) {
            throw new IllegalArgumentException("\"to\" is a node id in quotes (\"!a1b2c3d4\"), \"channel\" a channel index (0 to 7) or name");
        }
        return Radio.destination(id);
    }

    /** A channel index, or a channel's name. */
    private static int channel(MeshRadio radio, Map<String, Object> body) {
        Object channel = body.getOrDefault("channel", 0L);
        if (channel instanceof String name) {
            return radio.channel(name);
        }
        if (!(channel instanceof Long index && index == index.intValue())) {
            throw new IllegalArgumentException("\"to\" is a node id in quotes (\"!a1b2c3d4\"), \"channel\" a channel index (0 to 7) or name");
        }
        return index.intValue();
    }

    private MeshRadio live() {
        return radios.stream().filter(r -> r.state().equals("live")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no radio is live"));
    }

    private void respond(Message request, Map<String, Object> reply) {
        request.responseTopic().ifPresent(topic -> messaging.publish(
                new Message(topic, Json.bytes(reply), 1, false, Optional.empty(), request.correlationData())));
    }
}
