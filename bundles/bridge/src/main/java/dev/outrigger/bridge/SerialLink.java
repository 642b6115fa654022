package dev.outrigger.bridge;

import java.io.IOException;
import java.util.Arrays;
import java.util.function.Consumer;

import com.fazecast.jSerialComm.SerialPort;

import dev.outrigger.device.SerialSettings;
import dev.outrigger.framework.serial.SerialPorts;
import dev.outrigger.framework.threads.Daemons;

/**
 * An open serial port (jSerialComm) with a thread that hands whatever arrives to a consumer; its
 * settings change while it is open as RFC 2217 clients ask. On a pty the line settings are no-ops,
 * and the values read back are what was asked.
 */
final class SerialLink implements Rfc2217.Port, AutoCloseable {

    /** jSerialComm's flow control flags for what the port sends (CTS: the device may stop it; XON/XOFF heard). */
    private static final int OUTBOUND = SerialPort.FLOW_CONTROL_CTS_ENABLED | SerialPort.FLOW_CONTROL_XONXOFF_OUT_ENABLED;

    private final SerialPort port;
    private final Thread reader;
    private volatile boolean open = true;
    /** BREAK as the clients last set it: the port cannot be asked. */
    private volatile boolean breakOn;

    SerialLink(String path, SerialSettings s, Consumer<byte[]> received, Consumer<String> lost) throws IOException {
        port = SerialPorts.at(path);
        port.setComPortParameters(s.baud(), s.dataBits(), stopBits(s), parity(s));
        port.setFlowControl(switch (s.flowControl()) {
            case RTS_CTS -> SerialPort.FLOW_CONTROL_RTS_ENABLED | SerialPort.FLOW_CONTROL_CTS_ENABLED;
            case XON_XOFF -> SerialPort.FLOW_CONTROL_XONXOFF_IN_ENABLED | SerialPort.FLOW_CONTROL_XONXOFF_OUT_ENABLED;
            case NONE -> SerialPort.FLOW_CONTROL_DISABLED;
        });
        // the lines' state at open matters: many Zigbee sticks reset into their bootloader on DTR/RTS
        if (!s.dtr()) {
            port.clearDTR();
        }
        if (!s.rts()) {
            port.clearRTS();
        }
        port.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING, 100, 0);
        SerialPorts.open(port, path);
        if (s.dtr()) {
            port.setDTR();
        }
        if (s.rts()) {
            port.setRTS();
        }
        reader = Daemons.start("outrigger-bridge-read " + path, () -> read(received, lost));
    }

    private void read(Consumer<byte[]> received, Consumer<String> lost) {
        byte[] buffer = new byte[4096];
        while (open) {
            int n = port.readBytes(buffer, buffer.length);
            if (n > 0) {
                received.accept(Arrays.copyOf(buffer, n));
            } else if (n < 0 && open) {
                // unplugged (EIO, 5, or the pty's other side gone) or failed
                lost.accept("read from " + port.getSystemPortPath() + " failed (error " + port.getLastErrorCode() + ")");
                return;
            }
        }
    }

    void write(byte[] data, int length) throws IOException {
        int offset = 0;
        while (offset < length) {
            int n = port.writeBytes(data, length - offset, offset);
            if (n < 0) {
                throw new IOException("write to " + port.getSystemPortPath() + " failed (error " + port.getLastErrorCode() + ")");
            }
            offset += n;
        }
    }

    @Override
    public int baud(int requested) {
        if (requested > 0) { // 0: a query
            port.setBaudRate(requested);
        }
        return port.getBaudRate();
    }

    @Override
    public int dataBits(int requested) {
        if (requested >= 5 && requested <= 8) {
            port.setNumDataBits(requested);
        }
        return port.getNumDataBits();
    }

    @Override
    public int parity(int requested) {
        if (requested >= 1 && requested <= 5) {
            port.setParity(requested - 1); // RFC 2217 counts from 1 = NONE, jSerialComm from 0
        }
        return port.getParity() + 1;
    }

    @Override
    public int stopBits(int requested) {
        switch (requested) {
            case 1 -> port.setNumStopBits(SerialPort.ONE_STOP_BIT);
            case 2 -> port.setNumStopBits(SerialPort.TWO_STOP_BITS);
            case 3 -> port.setNumStopBits(SerialPort.ONE_POINT_FIVE_STOP_BITS);
            default -> {
                // a query
            }
        }
        return switch (port.getNumStopBits()) {
            case SerialPort.TWO_STOP_BITS -> 2;
            case SerialPort.ONE_POINT_FIVE_STOP_BITS -> 3;
            default -> 1;
        };
    }

    /**
     * RFC 2217 SET-CONTROL: flow control (both ways, or inbound alone), BREAK, DTR and RTS set, or
     * (0, 4, 7, 10, 13) asked for.
     */
    @Override
    public int control(int requested) {
        int flow = port.getFlowControlSettings();
        switch (requested) {
            case 0 -> {
                return (flow & SerialPort.FLOW_CONTROL_XONXOFF_OUT_ENABLED) != 0 ? 2
                        : (flow & SerialPort.FLOW_CONTROL_CTS_ENABLED) != 0 ? 3 : 1;
            }
            case 1 -> port.setFlowControl(SerialPort.FLOW_CONTROL_DISABLED);
            case 2 -> port.setFlowControl(SerialPort.FLOW_CONTROL_XONXOFF_IN_ENABLED | SerialPort.FLOW_CONTROL_XONXOFF_OUT_ENABLED);
            case 3 -> port.setFlowControl(SerialPort.FLOW_CONTROL_RTS_ENABLED | SerialPort.FLOW_CONTROL_CTS_ENABLED);
            case 4 -> {
                return breakOn ? 5 : 6;
            }
            case 5 -> breakOn = port.setBreak();
            case 6 -> breakOn = !port.clearBreak();
            case 7 -> {
                return port.getDTR() ? 8 : 9;
            }
            case 8 -> port.setDTR();
            case 9 -> port.clearDTR();
            case 10 -> {
                return port.getRTS() ? 11 : 12;
            }
            case 11 -> port.setRTS();
            case 12 -> port.clearRTS();
            case 13 -> {
                return (flow & SerialPort.FLOW_CONTROL_XONXOFF_IN_ENABLED) != 0 ? 15
                        : (flow & SerialPort.FLOW_CONTROL_RTS_ENABLED) != 0 ? 16 : 14;
            }
            // inbound alone: what the port does outbound stays
            case 14 -> port.setFlowControl(flow & OUTBOUND);
            case 15 -> port.setFlowControl(flow & OUTBOUND | SerialPort.FLOW_CONTROL_XONXOFF_IN_ENABLED);
            case 16 -> port.setFlowControl(flow & OUTBOUND | SerialPort.FLOW_CONTROL_RTS_ENABLED);
            default -> {
                // DCD, DTR and DSR flow control, unknown values: answered with themselves, nothing set
            }
        }
        return requested;
    }

    @Override
    public int modemLines() {
        return (port.getDCD() ? Rfc2217.CD : 0) | (port.getRI() ? Rfc2217.RI : 0) | (port.getDSR() ? Rfc2217.DSR : 0)
                | (port.getCTS() ? Rfc2217.CTS : 0);
    }

    /**
     * jSerialComm flushes both directions at once, and a flush of the receive buffer alone must not
     * drop what the client sent and the port has not transmitted yet: that purge is left to the
     * bridge, whose reader keeps the port's receive buffer empty anyway (it drops what it holds).
     */
    @Override
    public void purge(int which) {
        if (which != Rfc2217.PURGE_RECEIVE) {
            port.flushIOBuffers();
        }
    }

    @Override
    public void close() {
        open = false;
        port.closePort();
        if (Thread.currentThread() == reader) {
            return; // closed on losing the port, from the reader itself: it ends on its return
        }
        try {
            reader.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int stopBits(SerialSettings s) {
        return switch (s.stopBits()) {
            case ONE -> SerialPort.ONE_STOP_BIT;
            case ONE_POINT_FIVE -> SerialPort.ONE_POINT_FIVE_STOP_BITS;
            case TWO -> SerialPort.TWO_STOP_BITS;
        };
    }

    private static int parity(SerialSettings s) {
        return switch (s.parity()) {
            case NONE -> SerialPort.NO_PARITY;
            case ODD -> SerialPort.ODD_PARITY;
            case EVEN -> SerialPort.EVEN_PARITY;
            case MARK -> SerialPort.MARK_PARITY;
            case SPACE -> SerialPort.SPACE_PARITY;
        };
    }
}
