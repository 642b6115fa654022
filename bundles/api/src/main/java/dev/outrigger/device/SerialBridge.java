package dev.outrigger.device;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A serial device reachable over TCP now: a bridge that listens, its device plugged in. Registered
 * by the bridge bundle for as long as both hold; the service properties carry the same facts, so
 * that a consumer picks bridges with a target filter, e.g. {@code (bridge.port=6638)}.
 */
@ProviderType
public interface SerialBridge {

    /** Service property: {@link #name()}. */
    String NAME = "bridge.name";
    /** Service property: {@link #port()}, an Integer. */
    String PORT = "bridge.port";
    /** Service property: {@link #address()}. */
    String ADDRESS = "bridge.address";

    /** The bridge's name: a configured bridge's device selector, or the device's id for an automatic one. */
    String name();

    /** The TCP port it listens on. */
    int port();

    /**
     * The address it listens on, as a literal: a loopback address (this host only), a wildcard
     * ({@code 0.0.0.0} or {@code ::}: every address of this host), or one of the host's addresses.
     */
    String address();

    /** The {@link SerialDevice#id()} of the device it bridges. */
    String deviceId();
}
