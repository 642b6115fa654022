package dev.outrigger.bench;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.io.IOException;

import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;

import dev.outrigger.broker.BenchBroker;
import dev.outrigger.framework.mqtt.MqttCallbackAdapter;
import dev.outrigger.mqtt.BenchMqtt;
import dev.outrigger.outbox.Outbox;
import dev.outrigger.outbox.OutboxRecord;
import dev.outrigger.outbox.store.BenchOutbox;

/**
 * The outbox and the MQTT drain in one run: durable append rate, then, through a real mosquitto and
 * through the embedded broker, the drain rate of a 100,000-record backlog at QoS 1, end-to-end
 * latency at 100 records/s, and whether 5,000 records/s are sustained end to end. Goals: 5,000/s
 * sustained, backlog drained at 5,000/s; the embedded broker is compared with mosquitto.
 */
public final class OutboxBenchmark {

    private static final int PAYLOAD = 100;

    private OutboxBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("outrigger-outbox-bench");
        System.out.println("Outrigger outbox + MQTT benchmark (payload " + PAYLOAD + " bytes, QoS 1, sync=always, brokers on loopback)");
        Outbox a = BenchOutbox.open(work.resolve("append/outbox.mv.db"), Map.of());
        double single = appendRate(a, 1, 5_000);
        double eight = appendRate(a, 8, 40_000);
        BenchOutbox.close(a);
        System.out.printf(Locale.ROOT, "durable append, 1 producer:      %,10.0f records/s%n", single);
        System.out.printf(Locale.ROOT, "durable append, 8 producers:     %,10.0f records/s (group commit)%n", eight);

        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path conf = Files.writeString(work.resolve("mosquitto.conf"), "user " + System.getProperty("user.name")
                + "\nlistener " + port + " 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n"); // flow control as shipped: 20
        Process mosquitto = new ProcessBuilder("/usr/sbin/mosquitto", "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(work.resolve("mosquitto.log").toFile()).start();
        double toMosquitto;
        try {
            awaitPort(port);
            toMosquitto = drain("mosquitto", "tcp://127.0.0.1:" + port, work.resolve("mosquitto"));
        } finally {
            mosquitto.destroy();
            mosquitto.waitFor(10, TimeUnit.SECONDS);
        }
        try (BenchBroker embedded = new BenchBroker()) {
            double toEmbedded = drain("embedded broker", embedded.uri(), work.resolve("embedded"));
            System.out.printf(Locale.ROOT, "embedded broker / mosquitto, backlog drain rate: %.2f%n", toEmbedded / toMosquitto);
        }
    }

    /** Backlog drain, latency at 100/s and 5,000/s sustained through one broker; returns the drain rate. */
    private static double drain(String name, String broker, Path work) throws Exception {
        System.out.println("-- through " + name);
        Outbox outbox = BenchOutbox.open(work.resolve("outbox.mv.db"), Map.of("maxMegabytes", 512));
        Subscriber sub = new Subscriber(broker);
        List<OutboxRecord> batch = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            batch.add(record(0));
            if (batch.size() == 1_000) {
                outbox.appendAll(batch);
                batch.clear();
            }
        }
        try (BenchMqtt mqtt = new BenchMqtt(Map.of("broker", broker, "gatewayId", "bench"))) {
            long start = System.nanoTime();
            mqtt.drain(outbox);
            sub.await(100_000, 120);
            double drain = 100_000 / seconds(start);
            System.out.printf(Locale.ROOT, "drain of a 100,000 backlog:      %,10.0f messages/s (goal 5,000; ratio %.2f)%n",
                    drain, drain / 5_000);

            sub.reset();
            List<Long> latencies = paced(outbox, sub, 100, 1_000);
            long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf(Locale.ROOT, "end-to-end latency at 100/s:     p50 %.2f ms, p99 %.2f ms (%d records)%n",
                    sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.99)] / 1e6, sorted.length);

            sub.reset();
            long t = System.nanoTime();
            List<Long> sustained = paced(outbox, sub, 5_000, 50_000);
            double rate = sustained.size() / seconds(t);
            System.out.printf(Locale.ROOT,
                    "sustained end to end at 5,000/s: %,10.0f records/s delivered (goal 5,000; ratio %.2f), backlog after: %d%n",
                    rate, rate / 5_000, outbox.stats().depth());
            return drain;
        } finally {
            sub.close();
            BenchOutbox.close(outbox);
        }
    }

    private static double appendRate(Outbox outbox, int producers, int total) throws Exception {
        CountDownLatch done = new CountDownLatch(producers);
        long start = System.nanoTime();
        for (int p = 0; p < producers; p++) {
            new Thread(() -> {
                try {
                    for (int i = 0; i < total / producers; i++) {
                        outbox.append(record(0));
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                } finally {
                    done.countDown();
                }
            }).start();
        }
        done.await();
        return total / seconds(start);
    }

    /** Appends at a fixed rate (16 producers above 1,000/s) and returns each record's append-to-arrival latency. */
    private static List<Long> paced(Outbox outbox, Subscriber sub, int perSecond, int total) throws Exception {
        int producers = perSecond > 1_000 ? 16 : 1;
        long start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int offset = p;
            Thread t = new Thread(() -> {
                for (int i = offset; i < total; i += producers) {
                    long due = start + (long) (i * 1e9 / perSecond);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    try {
                        outbox.append(record(System.nanoTime()));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        sub.await(total, 60);
        return new ArrayList<>(sub.latencies);
    }

    /** A payload of PAYLOAD bytes starting with the append time, for latency. */
    private static OutboxRecord record(long sentNanos) {
        byte[] payload = new byte[PAYLOAD];
        ByteBuffer.wrap(payload).putLong(sentNanos);
        return OutboxRecord.of("bench/data", payload);
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void awaitPort(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                LockSupport.parkNanos(20_000_000);
            }
        }
        throw new IllegalStateException("mosquitto did not start");
    }

    private static final class Subscriber extends MqttCallbackAdapter implements AutoCloseable {
        final MqttAsyncClient client;
        final AtomicLong count = new AtomicLong();
        final ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();

        Subscriber(String broker) throws MqttException {
            client = new MqttAsyncClient(broker, "bench-subscriber", new MemoryPersistence());
            client.setCallback(this);
            client.connect(new MqttConnectionOptions()).waitForCompletion(10_000);
            client.subscribe("outrigger/bench/#", 1).waitForCompletion(10_000);
        }

        void reset() {
            count.set(0);
            latencies.clear();
        }

        void await(long n, int seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (count.get() < n && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000);
            }
            if (count.get() < n) {
                throw new IllegalStateException("only " + count.get() + " of " + n + " arrived");
            }
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            long sent = ByteBuffer.wrap(message.getPayload()).getLong();
            if (sent != 0) {
                latencies.add(System.nanoTime() - sent);
            }
            count.incrementAndGet();
        }

        @Override
        public void close() throws MqttException {
            client.disconnect().waitForCompletion(5_000);
            client.close();
        }
    }

}
