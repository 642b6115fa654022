package dev.outrigger.itest;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import org.eclipse.paho.mqttv5.common.MqttMessage;

import dev.outrigger.framework.mqtt.MqttCallbackAdapter;

/** Hands each arriving payload, as text, to a consumer: a test subscriber. */
final class PahoCallback extends MqttCallbackAdapter {

    private final Consumer<String> payloads;

    PahoCallback(Consumer<String> payloads) {
        this.payloads = payloads;
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        payloads.accept(new String(message.getPayload(), StandardCharsets.UTF_8));
    }
}
