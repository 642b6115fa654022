package dev.outrigger.bridge;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

import dev.outrigger.device.SerialBridge;
import dev.outrigger.device.SerialDevice;
import dev.outrigger.framework.threads.Daemons;

/**
 * Each bridge that listens with its device plugged in, as a {@link SerialBridge} service: the
 * {@code kube} bundle labels the gateway's pod with its port, so that a Kubernetes Service follows
 * the stick from node to node. Registered on a thread of its own, since bridges change with their
 * locks held; the thread starts with the first bridge.
 */
@Component(immediate = true)
public class ReadyBridges {

    private record Ready(String name, int port, String address, String deviceId) implements SerialBridge {
    }

    private record Published(Ready ready, ServiceRegistration<SerialBridge> registration) {
    }

    private final Bridges bridges;
    private final BundleContext context;
    private final ExecutorService publishing = Executors.newSingleThreadExecutor(Daemons.named("outrigger-bridge-services"));
    /** Confined to the publishing thread. */
    private final Map<Bridge, Published> published = new HashMap<>();
    private final Runnable publishSoon = this::publishSoon;

    @Activate
    public ReadyBridges(@Reference Bridges bridges, BundleContext context) {
        this.bridges = bridges;
        this.context = context;
        bridges.onChange(publishSoon);
        if (!bridges.all().isEmpty()) {
            publishSoon();
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        bridges.noLongerTell(publishSoon);
        publishing.shutdown();
        publishing.awaitTermination(5, TimeUnit.SECONDS);
        published.values().forEach(p -> unregister(p.registration()));
        published.clear();
    }

    private void publishSoon() {
        try {
            publishing.execute(this::publish);
        } catch (RejectedExecutionException deactivated) {
            // withdrawing them all
        }
    }

    /** Registers what became ready, withdraws what no longer is (or is at another port, or for another device). */
    private void publish() {
        Map<Bridge, Ready> ready = new HashMap<>();
        for (Bridge b : bridges.all()) {
            SerialDevice d = b.device();
            InetSocketAddress at = b.listening();
            if (d != null && at != null) {
                ready.put(b, new Ready(b.options().name(), at.getPort(), at.getAddress().getHostAddress(), d.id()));
            }
        }
        published.entrySet().removeIf(e -> {
            if (e.getValue().ready().equals(ready.get(e.getKey()))) {
                return false;
            }
            unregister(e.getValue().registration());
            return true;
        });
        ready.forEach((b, r) -> {
            if (!published.containsKey(b)) {
                try {
                    published.put(b, new Published(r, context.registerService(SerialBridge.class, r, new Hashtable<>(
                            Map.of(SerialBridge.NAME, r.name(), SerialBridge.PORT, r.port(), SerialBridge.ADDRESS, r.address(),
                            SerialDevice.ID, r.deviceId())))));
                } catch (IllegalStateException stopping) {
                    // the bundle stops: nothing is offered any more
                }
            }
        });
    }

    private static void unregister(ServiceRegistration<SerialBridge> registration) {
        try {
            registration.unregister();
        } catch (IllegalStateException stopping) {
            // the bundle stops: the framework withdrew it already
        }
    }
}
