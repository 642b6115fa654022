package dev.outrigger.meshtastic;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import dev.outrigger.messaging.Message;
import dev.outrigger.messaging.Messaging;

/** The MQTT uplink as this bundle's components see it: connected, keeping what they publish and the handlers they subscribe. */
class TestUplink implements Messaging {

    final List<Message> published = new CopyOnWriteArrayList<>();
    final Map<String, Consumer<Message>> handlers = new ConcurrentHashMap<>();

    @Override
    public String gatewayId() {
        return "gw";
    }

    @Override
    public String topic(String relative) {
        return "outrigger/gw/" + relative;
    }

    @Override
    public String fleetTopic(String relative) {
        return "outrigger/" + relative;
    }

    @Override
    public CompletionStage<Void> publish(Message message) {
        published.add(message);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public AutoCloseable subscribe(String filter, int qos, Consumer<Message> handler) {
        handlers.put(filter, handler);
        return () -> handlers.remove(filter);
    }

    @Override
    public boolean isConnected() {
        return true;
    }
}
