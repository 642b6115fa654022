package dev.outrigger.device;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The machine the gateway runs on, as registered by discovery.
 */
@ProviderType
public interface Board {

    /** Human-readable model, e.g. "Raspberry Pi 5 Model B Rev 1.0"; never empty. */
    String model();

    /** Device-tree compatible strings, most specific first; empty without a device tree. */
    List<String> compatible();

    /** CPU architecture as the JVM names it, e.g. "aarch64" or "amd64". */
    String architecture();

    /** This node's host name. */
    String hostname();

    /** Power and heat, as last looked at (every 2 s). */
    BoardSensors sensors();
}
