package dev.outrigger.device;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Why a serial port could not be opened, said so that its owner knows what to do: serial
 * libraries report a bare error code, and the usual causes need different fixes.
 */
public enum OpenFailure {

    GONE("no such device: unplugged, or not passed into the container"),
    NO_PERMISSION("permission denied: the runtime's user needs read and write access to it (on most systems through the dialout group)"),
    BUSY("busy: another program has it open (ModemManager, brltty, or a second bridge or radio on the same port?)");

    private final String reason;

    OpenFailure(String reason) {
        this.reason = reason;
    }

    /** The likely cause once opening the port at this path failed, judged from the file system. */
    public static OpenFailure of(Path path) {
        if (!Files.exists(path)) {
            return GONE;
        }
        return Files.isReadable(path) && Files.isWritable(path) ? BUSY : NO_PERMISSION;
    }

    /** The cause in words, for log lines and for the clients told why. */
    public String reason() {
        return reason;
    }
}
