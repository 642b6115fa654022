package dev.outrigger.device;

import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A serial port present on this node, registered as a service by discovery for as long as it is
 * plugged in. The service properties below carry the same facts, so that a consumer picks its
 * devices with a target filter, e.g. {@code (device.role=meshtastic)}.
 */
@ProviderType
public interface SerialDevice {

    /** Service property: {@link #id()}. */
    String ID = "device.id";
    /** Service property: {@link #path()}. */
    String PATH = "device.path";
    /** Service property: {@link Role#key()} of {@link #role()}. */
    String ROLE = "device.role";
    /** Service property: the USB vendor id, if USB. */
    String VENDOR_ID = "device.vendor";
    /** Service property: the USB product id, if USB. */
    String PRODUCT_ID = "device.product";
    /** Service property: the USB serial number, if any. */
    String SERIAL = "device.serial";
    /** Service property: {@link #byId()}, if known. */
    String BY_ID = "device.byid";
    /** Service property: {@link #driver()}. */
    String DRIVER = "device.driver";
    /** Service property: the name of the profile that matched. */
    String PROFILE = "device.profile";

    /**
     * Stable identity that survives replugs and renumbering: the by-id name when there is one,
     * otherwise the kernel name (e.g. {@code ttyAMA0} for a board's own UART).
     */
    String id();

    /** The device node, e.g. {@code /dev/ttyUSB0}. */
    String path();

    /** The kernel name, e.g. {@code ttyUSB0}. */
    String name();

    /** {@code /dev/serial/by-id/...}: from udev's link, or derived the way udev derives it. */
    Optional<String> byId();

    /** {@code /dev/serial/by-path/...}: names the physical port the device is plugged into. */
    Optional<String> byPath();

    /** The kernel driver, e.g. {@code ftdi_sio}, {@code cp210x}, {@code cdc_acm}, {@code uart-pl011}. */
    String driver();

    /** The USB identity, for USB devices. */
    Optional<UsbIdentity> usb();

    /** Who owns the port. */
    Role role();

    /** How to open it. */
    SerialSettings settings();

    /** The TCP port a bridge should listen on for it; 0 when none is suggested. */
    int suggestedPort();

    /** The profile that decided role and settings: a profile name, {@code device:<id>} or {@code default}. */
    String profile();
}
