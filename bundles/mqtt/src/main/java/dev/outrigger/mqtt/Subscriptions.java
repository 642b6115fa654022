package dev.outrigger.mqtt;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.packet.MqttReturnCode;
import org.eclipse.paho.mqttv5.common.util.MqttTopicValidator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.messaging.Message;

/**
 * What other bundles subscribed to through the connection: kept across reconnects and asked for
 * again on each, and what the broker refused of it in its SUBACK, asked for again on every
 * safety-net round while refused, since a broker's ACL changes without a reconnect.
 */
final class Subscriptions {

    private static final Logger LOG = LoggerFactory.getLogger(Subscriptions.class);

    private record Subscription(String filter, int qos, Consumer<Message> handler) {
    }

    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    /** Filters the broker refused, with its reason code. */
    private final Map<String, Integer> refused = new ConcurrentHashMap<>();
    /** The last failure of each filter's handlers, so that the same is not logged again and again. */
    private final Map<String, String> lastErrors = new ConcurrentHashMap<>();
    private final String broker;
    private final String offerAgain;
    /** The client while it is connected. */
    private final Supplier<Optional<MqttAsyncClient>> connected;

    /**
     * @param broker the broker's address, for the log
     * @param offerAgain how often a refused subscription is asked for again, in words
     * @param connected the client while it is connected, empty otherwise
     */
    Subscriptions(String broker, String offerAgain, Supplier<Optional<MqttAsyncClient>> connected) {
        this.broker = broker;
        this.offerAgain = offerAgain;
        this.connected = connected;
    }

    /** Subscribes now if connected, else at the next connect; closing it unsubscribes. */
    AutoCloseable add(String filter, int qos, Consumer<Message> handler) {
        validate(filter);
        Subscription s = new Subscription(filter, qos, handler);
        subscriptions.add(s);
        connected.get().ifPresent(client -> {
            try {
                subscribeAt(client, filter, qos);
            } catch (MqttException e) {
                LOG.warn("MQTT: cannot subscribe to {} now ({}); will on the next connect", filter, ConnectionFailures.message(e));
            }
        });
        return () -> {
            subscriptions.remove(s);
            if (subscriptions.stream().noneMatch(o -> o.filter().equals(filter))) {
                refused.remove(filter);
                Optional<MqttAsyncClient> client = connected.get();
                if (client.isPresent()) {
                    client.get().unsubscribe(filter);
                }
            }
        };
    }

    /** Every subscription, at a connection just made. */
    void restore(MqttAsyncClient client) throws MqttException {
        for (Subscription s : subscriptions) {
            subscribeAt(client, s.filter(), s.qos());
        }
    }

    /** Those the broker refused, once more. */
    void askAgainRefused(MqttAsyncClient client) {
        for (String filter : refused.keySet()) {
            subscriptions.stream().filter(s -> s.filter().equals(filter)).findFirst().ifPresent(s -> {
                try {
                    subscribeAt(client, filter, s.qos());
                } catch (MqttException e) {
                    LOG.debug("MQTT: subscribing to {} again: {}", filter, ConnectionFailures.message(e));
                }
            });
        }
    }

    /** Paho's check, said in terms of the filter as given, with how wildcards go where they were the fault. */
    static void validate(String filter) {
        try {
            MqttTopicValidator.validate(filter, true, true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(filter + " is no topic filter: " + (filter.contains("#") || filter.contains("+")
                    ? "# only alone as its last level (mesh/#), + only alone as a level (mesh/+/position)"
                    : e.getMessage()), e);
        }
    }

    /** Filters the broker refused, with why. */
    Map<String, String> refused() {
        return new TreeMap<>(refused.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> ReasonCodes.inWords(e.getValue()))));
    }

    /** A message that arrived, to every handler whose filter matches; a handler that fails is said once per failure. */
    void deliver(Message message) {
        for (Subscription s : subscriptions) {
            if (MqttTopicValidator.isMatched(s.filter(), message.topic())) {
                try {
                    s.handler().accept(message);
                } catch (RuntimeException e) {
                    if (lastErrors.put(s.filter(), String.valueOf(e)) == null) {
                        LOG.warn("MQTT: handler for {} failed: {}", s.filter(), e.toString());
                    }
                }
            }
        }
    }

    /** A SUBSCRIBE, and what its SUBACK says: a refusal is logged once, a grant after one too. */
    private void subscribeAt(MqttAsyncClient client, String filter, int qos) throws MqttException {
        client.subscribe(filter, qos, null, new MqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
                int[] codes = token.getReasonCodes();
                int code = codes == null || codes.length == 0 ? qos : codes[0];
                if (code >= 0x80 && subscriptions.stream().anyMatch(s -> s.filter().equals(filter))) {
                    Integer before = refused.put(filter, code);
                    if (before == null || before != code) {
                        LOG.warn("MQTT: {} refused the subscription to {} ({}): nothing sent there reaches this gateway{}; "
                                + "asking again every {}", broker, filter, ReasonCodes.inWords(code),
                                code == MqttReturnCode.RETURN_CODE_NOT_AUTHORIZED
                                        ? " (the broker's ACL must let this client subscribe to it)" : "",
                                offerAgain);
                    }
                } else if (code < 0x80 && refused.remove(filter) != null) {
                    LOG.info("MQTT: {} now takes the subscription to {}", broker, filter);
                }
            }

            @Override
            public void onFailure(IMqttToken token, Throwable e) {
                // the connection went: every subscription is asked for again on the next connect
                LOG.debug("MQTT: subscribing to {}: {}", filter, ConnectionFailures.message(e));
            }
        });
    }
}
