package dev.outrigger.device;

/**
 * How a port is to be opened: line settings plus the initial state of the modem control lines
 * (many Zigbee sticks need DTR and RTS off, or they stay in their bootloader).
 */
public record SerialSettings(int baud, int dataBits, Parity parity, StopBits stopBits, FlowControl flowControl,
        boolean dtr, boolean rts) {

    public enum Parity { NONE, ODD, EVEN, MARK, SPACE }

    public enum StopBits { ONE, ONE_POINT_FIVE, TWO }

    public enum FlowControl { NONE, RTS_CTS, XON_XOFF }

    /** 115200 8N1, no flow control, DTR and RTS on: what most USB serial gear expects. */
    public static final SerialSettings DEFAULT =
            new SerialSettings(115200, 8, Parity.NONE, StopBits.ONE, FlowControl.NONE, true, true);

    public SerialSettings {
        if (baud <= 0) {
            throw new IllegalArgumentException("baud must be positive: " + baud);
        }
        if (dataBits < 5 || dataBits > 8) {
            throw new IllegalArgumentException("data bits must be 5 to 8: " + dataBits);
        }
        if (parity == null || stopBits == null || flowControl == null) {
            throw new IllegalArgumentException("parity, stop bits and flow control are required");
        }
    }

    /** Like {@code 115200 8N1}, for humans. */
    @Override
    public String toString() {
        return baud + " " + dataBits + parity.name().charAt(0)
                + switch (stopBits) { case ONE -> "1"; case ONE_POINT_FIVE -> "1.5"; case TWO -> "2"; }
                + (flowControl == FlowControl.NONE ? "" : " " + flowControl.name().toLowerCase().replace('_', '/'))
                + " dtr=" + (dtr ? "on" : "off") + " rts=" + (rts ? "on" : "off");
    }
}
