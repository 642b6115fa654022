package dev.outrigger.broker;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** The embedded broker outside OSGi, on a free loopback port, for benchmarks. */
public final class BenchBroker implements AutoCloseable {

    private final MqttBroker broker = new MqttBroker(
            new MqttBroker.Settings("127.0.0.1", 0, 32, 256 * 1024, 100_000, 16L * 1024 * 1024, 0, 10, MqttBroker.Access.OPEN), BrokerStore.none());

    public BenchBroker() {
        broker.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (broker.address() == null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the embedded broker did not listen");
            }
            LockSupport.parkNanos(10_000_000);
        }
    }

    public String uri() {
        return "tcp://127.0.0.1:" + broker.address().getPort();
    }

    @Override
    public void close() {
        broker.close();
    }
}
