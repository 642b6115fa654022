package dev.outrigger.discovery;

import java.util.Optional;
import java.util.regex.Pattern;

import dev.outrigger.device.Role;
import dev.outrigger.device.SerialSettings;
import dev.outrigger.device.UsbIdentity;
import dev.outrigger.framework.devices.DeviceNames;

/**
 * Decides a port's role and settings. Matches on USB ids (exact; empty matches any), on the USB
 * interface number (a stick with two radios has one port per interface; negative matches any), on
 * patterns (case-insensitive, found anywhere) for serial, manufacturer and product strings and the
 * kernel name, or on one device by any of its names ({@link DeviceNames}). Among matching profiles the one naming the
 * device wins, then the higher ranking, then the one with more criteria.
 */
record Profile(String name, String device, String vendorId, String productId, int usbInterface, Pattern serial,
        Pattern manufacturer, Pattern product, Pattern tty, Role role, SerialSettings settings, int port, int ranking) {

    /** {@link #usbInterface} when any interface matches. */
    static final int ANY_INTERFACE = -1;

    static final int NO_MATCH = -1;
    private static final long DEVICE_MATCH = 1L << 40;

    /** How well this profile fits the port: higher wins, {@link #NO_MATCH} when it does not. */
    long score(Port p) {
        if (!device.isEmpty()) {
            return DeviceNames.isNameOf(device, p.id(), p.name(), p.path(), p.byId(), p.byPath()) ? DEVICE_MATCH + ranking : NO_MATCH;
        }
        Optional<UsbIdentity> usb = p.usb();
        boolean anyInterface = usbInterface < 0;
        boolean usbCriteria = !vendorId.isEmpty() || !productId.isEmpty() || !anyInterface || serial != null
                || manufacturer != null || product != null;
        if (usbCriteria && usb.isEmpty()) {
            return NO_MATCH;
        }
        if (!vendorId.isEmpty() && !vendorId.equalsIgnoreCase(usb.get().vendorId())
                || !productId.isEmpty() && !productId.equalsIgnoreCase(usb.get().productId())
                || !anyInterface && usbInterface != usb.get().interfaceNumber()
                || !finds(serial, usb.map(UsbIdentity::serial))
                || !finds(manufacturer, usb.map(UsbIdentity::manufacturer))
                || !finds(product, usb.map(UsbIdentity::product))
                || !finds(tty, Optional.of(p.name()))) {
            return NO_MATCH;
        }
        int criteria = (vendorId.isEmpty() ? 0 : 1) + (productId.isEmpty() ? 0 : 1) + (anyInterface ? 0 : 1)
                + (serial == null ? 0 : 1)
                + (manufacturer == null ? 0 : 1) + (product == null ? 0 : 1) + (tty == null ? 0 : 1);
        return criteria == 0 ? NO_MATCH : ranking * 100L + criteria;
    }

    private static boolean finds(Pattern pattern, Optional<String> value) {
        return pattern == null || value.filter(v -> pattern.matcher(v).find()).isPresent();
    }

    /** A pattern from configuration: empty means no criterion. */
    static Pattern pattern(String regex) {
        return regex == null || regex.isBlank() ? null : Pattern.compile(regex, Pattern.CASE_INSENSITIVE);
    }
}
