package dev.outrigger.device;

import java.util.Locale;

/**
 * How a port is to be opened: line settings plus the initial state of the modem control lines
 * (many Zigbee sticks need DTR and RTS off, or they stay in their bootloader).
 */
public record SerialSettings(int baud, int dataBits, Parity parity, StopBits stopBits, FlowControl flowControl,
        boolean dtr, boolean rts) {

    public enum Parity {
        NONE, ODD, EVEN, MARK, SPACE;

        /** From configuration: {@code none}, {@code odd}, {@code even}, {@code mark}, {@code space}. */
        public static Parity of(String s) {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        }
    }

    public enum StopBits {
        ONE, ONE_POINT_FIVE, TWO;

        /** From configuration: {@code 1}, {@code 1.5} or {@code 2}. */
        public static StopBits of(String s) {
            return switch (s.trim()) {
                case "1" -> ONE;
                case "1.5" -> ONE_POINT_FIVE;
                case "2" -> TWO;
                default -> throw new IllegalArgumentException("stop bits must be 1, 1.5 or 2: " + s);
            };
        }
    }

    public enum FlowControl {
        NONE, RTS_CTS, XON_XOFF;

        /** From configuration: {@code none}, {@code rtscts} or {@code xonxoff}. */
        public static FlowControl of(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "none" -> NONE;
                case "rtscts" -> RTS_CTS;
                case "xonxoff" -> XON_XOFF;
                default -> throw new IllegalArgumentException("flow control must be none, rtscts or xonxoff: " + s);
            };
        }
    }

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
                + (flowControl == FlowControl.NONE ? "" : " " + flowControl.name().toLowerCase(Locale.ROOT).replace('_', '/'))
                + " dtr=" + (dtr ? "on" : "off") + " rts=" + (rts ? "on" : "off");
    }
}
