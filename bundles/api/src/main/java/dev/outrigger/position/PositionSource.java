package dev.outrigger.position;

import org.osgi.annotation.versioning.ProviderType;

/** A satellite positioning receiver (a GPS on a serial port, or one gpsd serves), registered while it is there. */
@ProviderType
public interface PositionSource {

    /** The device it is read from: discovery's id, or {@code gpsd-<name>} for a device that gpsd serves. */
    String device();

    /**
     * Where its fixes are recorded, retained, below the gateway's topic (e.g. {@code gps/<device id>}):
     * JSON with gpsd's TPV names ({@code lat}, {@code lon}, ...).
     */
    String topic();

    /**
     * {@code opening}, {@code reading}, {@code silent} (open, but no sentence for seconds),
     * {@code backoff} (waiting to open it again) or {@code failed}.
     */
    String state();

    /** gpsd's fix mode: 1 no fix, 2 a 2D fix, 3 a 3D fix; 1 whenever the receiver is not {@code reading}. */
    int mode();
}
