package dev.outrigger.device;

/**
 * What a USB serial device says about itself (sysfs attributes of its USB device and interface).
 * Strings are empty when the device does not report them; ids are four lower-case hex digits.
 */
public record UsbIdentity(String vendorId, String productId, String serial, String manufacturer, String product,
        int interfaceNumber) {

    /** {@code vendor:product}, e.g. {@code 10c4:ea60}. */
    public String ids() {
        return vendorId + ":" + productId;
    }
}
