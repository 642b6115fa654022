package dev.outrigger.device;

import java.util.Locale;

/** Who owns a serial device's port. One port, one owner. */
public enum Role {
    /** Exposed on the network by the serial bridge (zigbee2mqtt, zwave-js, ...). */
    BRIDGE,
    /** A Meshtastic radio, talked to by the meshtastic bundle. */
    MESHTASTIC,
    /** A GPS receiver (NMEA). */
    GPS,
    /**
     * Handed to the pods that ask for it, by the kubelet's device plugin: the gateway does not open
     * it. The pods ask for the resource named after its profile, e.g. {@code outrigger.dev/zigbee}.
     */
    POD,
    /** Nobody touches it: the default for anything not recognised. */
    IGNORE;

    /** The lower-case name used in configuration and service properties, e.g. {@code meshtastic}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@link #key()} (any case). */
    public static Role of(String key) {
        try {
            return valueOf(key.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown role '" + key + "' (bridge, meshtastic, gps, pod or ignore)", e);
        }
    }
}
