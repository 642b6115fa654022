package dev.outrigger.discovery;

import java.util.List;
import java.util.Optional;

import dev.outrigger.device.UsbIdentity;

/**
 * A serial port as found in sysfs and /dev, before any profile gave it a role.
 *
 * @param problems what could not be read; the port is still usable with what is known
 * @param console whether the kernel's console is on it (boot messages, and the login prompt a
 *        getty shows there, share the port with whatever is attached)
 */
record Port(String name, String path, Optional<String> byId, Optional<String> byPath, String driver,
        Optional<UsbIdentity> usb, List<String> problems, boolean console) {

    /** Stable across replugs: the by-id name, else the kernel name. */
    String id() {
        return byId.map(p -> p.substring(p.lastIndexOf('/') + 1)).orElse(name);
    }
}
