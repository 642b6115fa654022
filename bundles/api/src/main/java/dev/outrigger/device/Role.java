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
            throw new IllegalArgumentException("unknown role '" + key + "' (bridge, meshtastic, gps or ignore)", e);
        }
    }
}
