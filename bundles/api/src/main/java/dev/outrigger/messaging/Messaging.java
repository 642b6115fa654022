package dev.outrigger.messaging;

import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

import org.osgi.annotation.versioning.ProviderType;

/** The gateway's MQTT connection, for other bundles. */
@ProviderType
public interface Messaging {

    /** This gateway's id, the topic level below the root. */
    String gatewayId();

    /** {@code <root>/<gateway>/<relative>}, e.g. {@code outrigger/shed-pi/config/set}. */
    String topic(String relative);

    /** {@code <root>/<relative>}, for topics shared by many gateways, e.g. {@code outrigger/group/sheds/config/set}. */
    String fleetTopic(String relative);

    /** Publishes now (not queued: use the outbox for data that must not be lost). */
    CompletionStage<Void> publish(Message message);

    /**
     * Subscribes until the returned handle is closed; kept across reconnects. The handler runs on
     * the client's thread: hand long work off.
     */
    AutoCloseable subscribe(String filter, int qos, Consumer<Message> handler);

    /** Whether a publication goes out now: connected to the broker, and done setting the connection up. */
    boolean isConnected();
}
