package dev.outrigger.mqtt;

import java.util.ArrayDeque;
import java.util.function.Consumer;

import org.eclipse.paho.mqttv5.common.MqttException;

/**
 * The broker's flow control: at most its Receive Maximum (from its CONNACK; mosquitto's default is
 * 20) QoS 1 and 2 publications unacknowledged at once. Paho refuses one more outright
 * (MAX_INFLIGHT), which would cost the outbox a restart from its oldest record and every other
 * publisher its message; here it waits, in order, and goes when an acknowledgement frees a place.
 * Each connection has a window of its own: Paho completes nothing sent on one that died.
 */
final class SendWindow {

    /** Hands one publication to Paho. */
    interface Send {
        /** Publishes; {@code settled} is run once the broker acknowledged it or it failed. */
        void publish(Runnable settled) throws MqttException;
    }

    private record Waiting(Send send, Consumer<Exception> failed) {
    }

    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private boolean open;
    private int connection;
    private int size;
    private int free;

    /** A new connection, whose broker takes this many unacknowledged. */
    synchronized void open(int receiveMaximum) {
        close("connection lost"); // its end may have gone unreported
        open = true;
        size = receiveMaximum;
        free = receiveMaximum;
    }

    /** The connection ended: what still waits fails, as publications while disconnected do. */
    synchronized void close(String why) {
        connection++;
        open = false;
        free = 0;
        IllegalStateException lost = new IllegalStateException(why);
        for (Waiting w; (w = waiting.poll()) != null;) {
            w.failed().accept(lost);
        }
    }

    /** Sends now if the window has room, or once it has, after those waiting before it. */
    synchronized void submit(Send send, Consumer<Exception> failed) {
        if (!open) {
            failed.accept(new IllegalStateException("not connected"));
            return;
        }
        waiting.add(new Waiting(send, failed));
        sendWhatFits();
    }

    /** How many the broker takes unacknowledged; 0 while disconnected. */
    synchronized int size() {
        return open ? size : 0;
    }

    /** Publications waiting for room. */
    synchronized int waiting() {
        return waiting.size();
    }

    private void sendWhatFits() {
        while (free > 0 && !waiting.isEmpty()) {
            Waiting w = waiting.poll();
            free--;
            int sentOn = connection;
            try {
                w.send().publish(() -> settled(sentOn));
            } catch (MqttException | RuntimeException e) {
                free++;
                w.failed().accept(e);
            }
        }
    }

    private synchronized void settled(int sentOn) {
        if (sentOn == connection) { // one from a connection before this one frees nothing in it
            free++;
            sendWhatFits();
        }
    }
}
