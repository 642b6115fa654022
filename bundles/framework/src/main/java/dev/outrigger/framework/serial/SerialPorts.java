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

    private SerialPorts() {
    }

    /** The port at this path, not yet open. */
    public static SerialPort at(String path) throws IOException {
        try {
            return SerialPort.getCommPort(path);
        } catch (RuntimeException e) { // jSerialComm: no such port
            throw new IOException("cannot open " + path + ": " + OpenFailure.of(Path.of(path)).reason(), e);
        } catch (LinkageError e) {
            String detail = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            throw new IOException("cannot open " + path + ": the serial port library did not load its native part ("
                    + e.getClass().getSimpleName() + ": " + detail + ")", e);
        }
    }

    /** Opens a port got from {@link #at}, set up as its owner wants it. */
    public static void open(SerialPort port, String path) throws IOException {
        if (!port.openPort()) {
            throw new IOException("cannot open " + path + ": " + OpenFailure.of(Path.of(path)).reason() + " (error "
                    + port.getLastErrorCode() + ")");
        }
    }
}
