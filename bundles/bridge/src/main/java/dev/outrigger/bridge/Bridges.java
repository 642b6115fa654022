package dev.outrigger.bridge;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Component;

import dev.outrigger.device.SerialDevice;

/**
 * The bridges running now, configured and automatic, for the shell; and the devices configured
 * bridges select, which get no automatic bridge: what is configured for a device wins over its
 * profile's default, instead of two listeners fighting over one port.
 */
@Component(service = Bridges.class)
public class Bridges {

    private final List<Bridge> running = new CopyOnWriteArrayList<>();
    /** Device selectors of the configured bridges. */
    private final List<String> claims = new CopyOnWriteArrayList<>();
    private volatile Runnable claimsChanged = () -> { };

    void add(Bridge b) {
        running.add(b);
    }

    void remove(Bridge b) {
        running.remove(b);
    }

    List<Bridge> all() {
        return List.copyOf(running);
    }

    void claim(String selector) {
        claims.add(selector);
        claimsChanged.run();
    }

    void release(String selector) {
        claims.remove(selector);
        claimsChanged.run();
    }

    boolean claimed(SerialDevice d) {
        return claims.stream().anyMatch(selector -> ConfiguredBridge.matches(selector, d));
    }

    /** Called, synchronously, whenever a configured bridge comes or goes. */
    void onClaimsChanged(Runnable r) {
        claimsChanged = r;
    }
}
