package dev.outrigger.framework.devices;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

import dev.outrigger.device.SerialDevice;

/**
 * The names a configuration may give one serial device, the same for a bridge's {@code device}, a
 * radio's {@code address} and a profile's {@code device}: its id, kernel name, /dev path, by-id or
 * by-path link, or any other link to its device node (a udev rule's {@code /dev/zigbee}). Sticks
 * alike without a serial number share their by-id name; the by-path name, the USB port each is
 * plugged into, tells them apart.
 */
public final class DeviceNames {

    private DeviceNames() {
    }

    /**
     * The name a configuration should give the device: its id; for sticks alike, whose ids the
     * USB port tells apart (an id that is not their shared by-id name), the by-path link, which
     * stays theirs across restarts.
     */
    public static String toConfigure(SerialDevice d) {
        boolean alike = d.byId().map(b -> !d.id().equals(Path.of(b).getFileName().toString())).orElse(false);
        return alike ? d.byPath().orElse(d.id()) : d.id();
    }

    /** Whether {@code name} names this device. */
    public static boolean isNameOf(String name, SerialDevice d) {
        return isNameOf(name, d.id(), d.name(), d.path(), d.byId(), d.byPath());
    }

    /** Whether {@code name} names the device with these names (one found, before it is a {@link SerialDevice}). */
    public static boolean isNameOf(String name, String id, String kernelName, String path, Optional<String> byId,
            Optional<String> byPath) {
        if (name.equals(id) || name.equals(kernelName) || name.equals(path) || byId.filter(name::equals).isPresent()
                || byPath.filter(name::equals).isPresent()) {
            return true;
        }
        try {
            return name.startsWith("/") && Files.isSameFile(Path.of(name), Path.of(path));
        } catch (IOException | InvalidPathException notThere) {
            return false;
        }
    }
}
