package dev.outrigger.meshtastic;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.framework.json.Json;
import dev.outrigger.framework.logging.OncePerMinute;
import dev.outrigger.mesh.MeshRadio;
import dev.outrigger.messaging.Message;
import dev.outrigger.messaging.Messaging;

/**
 * {@code <root>/<gw>/mesh/send} with {@code {"text": "...", "to": "!a1b2c3d4", "channel": 0}} sends
 * through the first live radio, like {@code mesh:send}. With an MQTT 5 response topic the requester
 * gets {@code {"packetId": ..., "outcome": "acked" | "implicitly_acked" | "failed", "reason": ...}}
 * once the mesh has answered. Active only when the mqtt feature is.
 */
@Component
public class MeshSendOverMqtt {

    private static final Logger LOG = LoggerFactory.getLogger(MeshSendOverMqtt.class);
    private static final int MAX_REQUEST = 4096;

    private final Messaging messaging;
    private final List<MeshRadio> radios;
    private final AutoCloseable subscription;
    private final OncePerMinute refused = new OncePerMinute();

    @Activate
    public MeshSendOverMqtt(@Reference Messaging messaging,
            @Reference(policyOption = ReferencePolicyOption.GREEDY) List<MeshRadio> radios) {
        this.messaging = messaging;
        this.radios = radios;
        this.subscription = messaging.subscribe(messaging.topic("mesh/send"), 1, this::send);
    }

    @Deactivate
    void deactivate() throws Exception {
        subscription.close();
    }

    private void send(Message request) {
        Map<String, Object> reply = new LinkedHashMap<>();
        try {
            if (request.payload().length > MAX_REQUEST) {
                throw new IllegalArgumentException("request over " + MAX_REQUEST + " bytes");
            }
            Map<String, Object> body = Json.object(request.payload());
            if (!(body.get("text") instanceof String text)) {
                throw new IllegalArgumentException("\"text\" is required");
            }
            Object id = body.getOrDefault("to", "");
            Object index = body.getOrDefault("channel", 0L);
            if (!(id instanceof String) || !(index instanceof Long channel && channel == channel.intValue())) {
                // sent to everyone on the primary channel by mistake, a private message could not be taken back
                throw new IllegalArgumentException("\"to\" is a node id in quotes (\"!a1b2c3d4\"), \"channel\" a channel index (0 to 7)");
            }
            OptionalLong to = Radio.destination((String) id);
            MeshRadio radio = radios.stream().filter(r -> r.state().equals("live")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no radio is live"));
            MeshRadio.Sending sending = radio.send(text, to, channel.intValue());
            sending.delivery().thenAccept(d -> {
                reply.put("packetId", d.packetId());
                reply.put("outcome", d.outcome().name().toLowerCase(Locale.ROOT));
                reply.put("reason", d.reason());
                respond(request, reply);
            });
        } catch (RuntimeException e) {
            // the requester hears why on its response topic; the log is not for a flood of them
            refused.occurred(n -> LOG.warn("Meshtastic: mesh/send refused {} request(s) since the last such line, the last: {}",
                    n, e.getMessage()));
            reply.put("outcome", "failed");
            reply.put("reason", e.getMessage());
            respond(request, reply);
        }
    }

    private void respond(Message request, Map<String, Object> reply) {
        request.responseTopic().ifPresent(topic -> messaging.publish(
                new Message(topic, Json.bytes(reply), 1, false, Optional.empty(), request.correlationData())));
    }
}
