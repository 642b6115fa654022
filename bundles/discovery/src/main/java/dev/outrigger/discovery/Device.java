package dev.outrigger.discovery;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Optional;

import dev.outrigger.device.Role;
import dev.outrigger.device.SerialDevice;
import dev.outrigger.device.SerialSettings;
import dev.outrigger.device.UsbIdentity;

/** A present port with the role a profile gave it: the service object discovery registers. */
record Device(String id, Port port, Role role, SerialSettings settings, int suggestedPort, String profile)
        implements SerialDevice {

    @Override
    public String path() {
        return port.path();
    }

    @Override
    public String name() {
        return port.name();
    }

    @Override
    public Optional<String> byId() {
        return port.byId();
    }

    @Override
    public Optional<String> byPath() {
        return port.byPath();
    }

    @Override
    public String driver() {
        return port.driver();
    }

    @Override
    public Optional<UsbIdentity> usb() {
        return port.usb();
    }

    Dictionary<String, Object> serviceProperties() {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put(ID, id);
        p.put(PATH, path());
        p.put(ROLE, role.key());
        p.put(DRIVER, driver());
        p.put(PROFILE, profile);
        byId().ifPresent(b -> p.put(BY_ID, b));
        usb().ifPresent(u -> {
            p.put(VENDOR_ID, u.vendorId());
            p.put(PRODUCT_ID, u.productId());
            if (!u.serial().isEmpty()) {
                p.put(SERIAL, u.serial());
            }
        });
        return p;
    }
}
