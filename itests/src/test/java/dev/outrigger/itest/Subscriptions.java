package dev.outrigger.itest;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;

/** Test subscribers on a broker: one client per filter, all disconnected at close. */
final class Subscriptions implements AutoCloseable {

    private final List<MqttAsyncClient> clients = new ArrayList<>();

    /** The payloads arriving on a filter at a broker, from the moment this returns. */
    Queue<String> subscribe(String broker, String filter) throws MqttException {
        Queue<String> received = new ConcurrentLinkedQueue<>();
        MqttAsyncClient client = new MqttAsyncClient(broker, "it-subscriber-" + clients.size(), new MemoryPersistence());
        clients.add(client);
        client.setCallback(new PahoCallback(received::add));
        client.connect(new MqttConnectionOptions()).waitForCompletion(5000);
        client.subscribe(filter, 1).waitForCompletion(5000);
        return received;
    }

    @Override
    public void close() throws MqttException {
        for (MqttAsyncClient client : clients) {
            // no quiescing: a client whose broker went away would otherwise wait 30 s for it
            client.disconnectForcibly(0, 1000, client.isConnected());
            client.close(true);
        }
    }
}
