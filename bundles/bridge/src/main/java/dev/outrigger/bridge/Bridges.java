package dev.outrigger.bridge;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Component;

import dev.outrigger.device.SerialDevice;
import dev.outrigger.framework.claims.Claims;

/**
 * The bridges running now, configured and automatic, for the shell; and the devices configured
 * bridges select, which get no automatic bridge.
 */
@Component(service = Bridges.class)
public class Bridges {

    private final List<Bridge> running = new CopyOnWriteArrayList<>();
    private final Claims<SerialDevice> configured = new Claims<>(ConfiguredBridge::matches);

    void add(Bridge b) {
        running.add(b);
    }

    void remove(Bridge b) {
        running.remove(b);
    }

    List<Bridge> all() {
        return List.copyOf(running);
    }

    /** The devices configured bridges select. */
    Claims<SerialDevice> configured() {
        return configured;
    }
}
