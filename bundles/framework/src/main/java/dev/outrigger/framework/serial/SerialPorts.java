package dev.outrigger.framework.serial;

import java.io.IOException;
import java.nio.file.Path;

import com.fazecast.jSerialComm.SerialPort;

import dev.outrigger.device.OpenFailure;

/**
 * jSerialComm's ports, their failures said in words their owner can act on, and never as an
 * {@link Error} that would end the thread that asked: its native library failing to load throws
 * one from the first use of {@link SerialPort}, and every use after that.
 */
public final class SerialPorts {

    /**
     * Why the native part did not load, as the first use of the library said: every use after that
     * only hears that its class cannot be initialised, and an owner that says each new reason once
     * would say it twice.
     */
    private static volatile String nativeFailure;

    private SerialPorts() {
    }

    /** The port at this path, not yet open. */
    public static SerialPort at(String path) throws IOException {
        try {
            return SerialPort.getCommPort(path);
        } catch (RuntimeException e) { // jSerialComm: no such port
            throw new IOException("cannot open " + path + ": " + OpenFailure.of(Path.of(path)).reason(), e);
        } catch (LinkageError e) {
            if (e instanceof UnsatisfiedLinkError && nativeFailure == null) {
                nativeFailure = reason(String.valueOf(e.getMessage()));
            }
            String why = nativeFailure;
            throw new IOException("cannot open " + path + ": the serial port library did not load its native part"
                    + (why == null ? "" : " (" + why + ")"), e);
        }
    }

    /**
     * Of jSerialComm's numbered list of the places it tried, the first: the copy the framework
     * made for this machine's architecture (its path in the data folder says where).
     */
    static String reason(String message) {
        String first = message.lines().filter(l -> l.startsWith("[1]: ")).map(l -> l.substring(5)).findFirst()
                .orElse(message.lines().findFirst().orElse(message));
        int colon = first.indexOf(": ");
        if (colon > 0 && first.startsWith(first.substring(0, colon + 2), colon + 2)) { // the JVM names the file twice
            first = first.substring(colon + 2);
        }
        // the kernel's word for a library on a file system that may not execute
        return first.contains("failed to map segment") ? first + ": is its file system mounted noexec?" : first;
    }

    /** Opens a port got from {@link #at}, set up as its owner wants it. */
    public static void open(SerialPort port, String path) throws IOException {
        if (!port.openPort()) {
            throw new IOException("cannot open " + path + ": " + OpenFailure.of(Path.of(path)).reason() + " (error "
                    + port.getLastErrorCode() + ")");
        }
    }
}
