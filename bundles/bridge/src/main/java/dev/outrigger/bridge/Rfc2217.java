package dev.outrigger.bridge;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The server side of RFC 2217 (Telnet COM-PORT-OPTION) for one client: a byte-at-a-time Telnet
 * parser that separates serial data from commands, negotiates BINARY, SGA, ECHO and COM-PORT-OPTION,
 * applies the port settings the client asks for and answers each with its code plus 100, as
 * pyserial's {@code rfc2217://} and other clients expect. 0xFF in data is doubled on the way out and
 * undoubled on the way in.
 */
final class Rfc2217 {

    /**
     * What a client may change on the port. Each call returns the value in effect afterwards, so
     * that every request is answered (pyserial waits for the answers to DTR and RTS).
     */
    interface Port {
        int baud(int requested);

        int dataBits(int requested);

        int parity(int requested);

        int stopBits(int requested);

        /** SET-CONTROL: flow control, BREAK, DTR, RTS; returns the value to answer with. */
        int control(int requested);

        void purge(int which);

        /** The modem lines now, as NOTIFY-MODEMSTATE's upper bits: {@link #CD}, {@link #RI}, {@link #DSR}, {@link #CTS}. */
        int modemLines();

        /** No port open: each request is answered with itself, and no modem line is up. */
        Port ABSENT = new Port() {
            @Override
            public int baud(int requested) {
                return requested;
            }

            @Override
            public int dataBits(int requested) {
                return requested;
            }

            @Override
            public int parity(int requested) {
                return requested;
            }

            @Override
            public int stopBits(int requested) {
                return requested;
            }

            @Override
            public int control(int requested) {
                return requested;
            }

            @Override
            public void purge(int which) {
                // nothing to purge
            }

            @Override
            public int modemLines() {
                return 0;
            }
        };
    }

    static final int IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, SB = 250, SE = 240;
    static final int BINARY = 0, ECHO = 1, SGA = 3, COM_PORT_OPTION = 44;
    static final int SIGNATURE = 0, SET_BAUDRATE = 1, SET_DATASIZE = 2, SET_PARITY = 3, SET_STOPSIZE = 4,
            SET_CONTROL = 5, NOTIFY_LINESTATE = 6, NOTIFY_MODEMSTATE = 7, FLOWCONTROL_SUSPEND = 8,
            FLOWCONTROL_RESUME = 9, SET_LINESTATE_MASK = 10, SET_MODEMSTATE_MASK = 11, PURGE_DATA = 12;
    static final int CD = 0x80, RI = 0x40, DSR = 0x20, CTS = 0x10;
    /** PURGE-DATA's values for the receive buffer (from the device) and for both (2 is the transmit buffer). */
    static final int PURGE_RECEIVE = 1, PURGE_BOTH = 3;
    /** The low bits of NOTIFY-MODEMSTATE: what changed since the last notification. */
    private static final int DELTA_CD = 0x08, RI_TRAILING_EDGE = 0x04, DELTA_DSR = 0x02, DELTA_CTS = 0x01;
    private static final int SERVER_OFFSET = 100;
    private static final int MAX_SUBNEGOTIATION = 64;

    private enum State { DATA, IAC, OPTION, SB, SB_IAC }

    /** The port as it is when a request arrives: it may be opened and closed while the client stays. */
    private final Supplier<Port> port;
    private final String signature;
    /** PURGE-DATA of the receive buffer: what the server holds for the client from the device goes too. */
    private final Runnable heldDataPurged;
    private final Set<Integer> weWill = new HashSet<>();
    private final Set<Integer> theyWill = new HashSet<>();
    private State state = State.DATA;
    private int command;
    /** The subnegotiation being read; what a client sends beyond its size is dropped, never kept. */
    private final byte[] sub = new byte[MAX_SUBNEGOTIATION];
    private int subLength;
    private volatile boolean suspended;
    /** The client agreed to COM-PORT-OPTION: from then on it is told the modem lines. */
    private boolean comPort;
    private int modemMask = 0xff;
    /** The modem lines last notified; -1 before the first notification. */
    private int notifiedLines = -1;

    Rfc2217(Supplier<Port> port, String signature, Runnable heldDataPurged) {
        this.port = port;
        this.signature = signature;
        this.heldDataPurged = heldDataPurged;
    }

    /**
     * What the server says first: binary both ways, no go-ahead (a telnet client sends each key as
     * typed), and the echo is the server's, as ser2net says: a telnet client then leaves it to the
     * device, as a serial console echoes what is typed, rather than showing each key twice.
     */
    byte[] greeting() {
        weWill.add(BINARY);
        weWill.add(SGA);
        weWill.add(ECHO);
        theyWill.add(BINARY);
        theyWill.add(SGA);
        return new byte[] { (byte) IAC, (byte) WILL, BINARY, (byte) IAC, (byte) DO, BINARY,
                (byte) IAC, (byte) WILL, SGA, (byte) IAC, (byte) DO, SGA, (byte) IAC, (byte) WILL, ECHO };
    }

    /**
     * Parses bytes from the client: serial data goes to {@code data}, answers to {@code replies}.
     */
    void receive(byte[] in, int length, ByteArrayOutputStream data, ByteArrayOutputStream replies) {
        for (int i = 0; i < length; i++) {
            int b = in[i] & 0xff;
            switch (state) {
                case DATA -> {
                    if (b == IAC) {
                        state = State.IAC;
                    } else {
                        data.write(b);
                    }
                }
                case IAC -> {
                    switch (b) {
                        case IAC -> {
                            data.write(IAC);
                            state = State.DATA;
                        }
                        case DO, DONT, WILL, WONT -> {
                            command = b;
                            state = State.OPTION;
                        }
                        case SB -> {
                            subLength = 0;
                            state = State.SB;
                        }
                        default -> state = State.DATA; // NOP, GA, AYT and friends: nothing to do
                    }
                }
                case OPTION -> {
                    negotiate(command, b, replies);
                    state = State.DATA;
                }
                case SB -> {
                    if (b == IAC) {
                        state = State.SB_IAC;
                    } else {
                        subAppend(b);
                    }
                }
                case SB_IAC -> {
                    if (b == IAC) {
                        subAppend(IAC);
                        state = State.SB;
                    } else {
                        if (b == SE) {
                            subnegotiation(Arrays.copyOf(sub, subLength), replies);
                        }
                        state = State.DATA;
                    }
                }
            }
        }
    }

    private void subAppend(int b) {
        if (subLength < sub.length) {
            sub[subLength++] = (byte) b;
        }
    }

    /** Serial data on its way to the client: IAC doubled. */
    static byte[] escape(byte[] data) {
        int iacs = 0;
        for (byte b : data) {
            if ((b & 0xff) == IAC) {
                iacs++;
            }
        }
        if (iacs == 0) {
            return data;
        }
        byte[] out = new byte[data.length + iacs];
        int j = 0;
        for (byte b : data) {
            out[j++] = b;
            if ((b & 0xff) == IAC) {
                out[j++] = b;
            }
        }
        return out;
    }

    /** FLOWCONTROL-SUSPEND from the client: hold serial data back until RESUME. */
    boolean suspended() {
        return suspended;
    }

    /** An option the client may have the server use; the echo is the server's side only. */
    private static boolean accepted(int option, boolean serverSide) {
        return option == BINARY || option == SGA || option == COM_PORT_OPTION || serverSide && option == ECHO;
    }

    private void negotiate(int verb, int option, ByteArrayOutputStream replies) {
        switch (verb) {
            case DO -> {
                if (accepted(option, true)) {
                    if (weWill.add(option)) {
                        reply(replies, WILL, option);
                    }
                } else {
                    reply(replies, WONT, option);
                }
            }
            case DONT -> {
                if (weWill.remove(option)) {
                    reply(replies, WONT, option);
                }
            }
            case WILL -> {
                if (accepted(option, false)) {
                    if (theyWill.add(option)) {
                        reply(replies, DO, option);
                    }
                    if (option == COM_PORT_OPTION && !comPort) {
                        // the lines as they are now, once: clients such as pyserial read CTS, DSR, RI and CD from it
                        comPort = true;
                        notifyModemLines(replies);
                    }
                } else {
                    reply(replies, DONT, option);
                }
            }
            case WONT -> {
                if (theyWill.remove(option)) {
                    reply(replies, DONT, option);
                }
            }
            default -> {
                // not a negotiation verb
            }
        }
    }

    private void subnegotiation(byte[] s, ByteArrayOutputStream replies) {
        if (s.length < 2 || (s[0] & 0xff) != COM_PORT_OPTION) {
            return;
        }
        int cmd = s[1] & 0xff;
        switch (cmd) {
            case SIGNATURE -> {
                if (s.length == 2) { // a request for ours; with text, the client's own, for information only
                    answer(replies, cmd, signature.getBytes(StandardCharsets.US_ASCII));
                }
            }
            case SET_BAUDRATE -> {
                int requested = s.length >= 6 ? ((s[2] & 0xff) << 24) | ((s[3] & 0xff) << 16) | ((s[4] & 0xff) << 8) | (s[5] & 0xff) : 0;
                int baud = port.get().baud(requested);
                answer(replies, cmd, new byte[] { (byte) (baud >>> 24), (byte) (baud >>> 16), (byte) (baud >>> 8), (byte) baud });
            }
            case SET_DATASIZE -> answer(replies, cmd, new byte[] { (byte) port.get().dataBits(value(s)) });
            case SET_PARITY -> answer(replies, cmd, new byte[] { (byte) port.get().parity(value(s)) });
            case SET_STOPSIZE -> answer(replies, cmd, new byte[] { (byte) port.get().stopBits(value(s)) });
            case SET_CONTROL -> answer(replies, cmd, new byte[] { (byte) port.get().control(value(s)) });
            // not answered: from the server, 108 and 109 would ask the client to stop and resume sending
            // (neither ser2net nor pyserial's own server answers them)
            case FLOWCONTROL_SUSPEND -> suspended = true;
            case FLOWCONTROL_RESUME -> suspended = false;
            case SET_LINESTATE_MASK -> answer(replies, cmd, new byte[] { (byte) value(s) });
            case SET_MODEMSTATE_MASK -> {
                modemMask = value(s);
                answer(replies, cmd, new byte[] { (byte) modemMask });
            }
            case PURGE_DATA -> {
                port.get().purge(value(s));
                if (value(s) == PURGE_RECEIVE || value(s) == PURGE_BOTH) {
                    heldDataPurged.run();
                }
                answer(replies, cmd, new byte[] { (byte) value(s) });
            }
            case NOTIFY_MODEMSTATE -> {
                // not in the RFC from a client, but pyserial's poll_modem asks this way: answered with the lines now
                notifiedLines = -1;
                notifyModemLines(replies);
            }
            default -> {
                // NOTIFY-LINESTATE goes from server to client; anything else is unknown
            }
        }
    }

    /**
     * NOTIFY-MODEMSTATE when a modem line changed since the last one (polled by the client's
     * thread about once a second, as ser2net does), with the change bits set; empty otherwise.
     */
    byte[] modemLinesChanged() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (comPort) {
            notifyModemLines(out);
        }
        return out.toByteArray();
    }

    private void notifyModemLines(ByteArrayOutputStream out) {
        int lines = port.get().modemLines() & (CD | RI | DSR | CTS);
        if (lines == notifiedLines) {
            return;
        }
        int changed = notifiedLines < 0 ? 0 : lines ^ notifiedLines;
        int deltas = ((changed & CD) != 0 ? DELTA_CD : 0) | ((changed & DSR) != 0 ? DELTA_DSR : 0)
                | ((changed & CTS) != 0 ? DELTA_CTS : 0) | ((changed & RI) != 0 && (lines & RI) == 0 ? RI_TRAILING_EDGE : 0);
        notifiedLines = lines;
        answer(out, NOTIFY_MODEMSTATE, new byte[] { (byte) ((lines | deltas) & modemMask) });
    }

    private static int value(byte[] s) {
        return s.length > 2 ? s[2] & 0xff : 0;
    }

    private static void reply(ByteArrayOutputStream out, int verb, int option) {
        out.write(IAC);
        out.write(verb);
        out.write(option);
    }

    private static void answer(ByteArrayOutputStream out, int cmd, byte[] value) {
        out.write(IAC);
        out.write(SB);
        out.write(COM_PORT_OPTION);
        out.write(cmd + SERVER_OFFSET);
        for (byte b : value) {
            out.write(b);
            if ((b & 0xff) == IAC) {
                out.write(IAC);
            }
        }
        out.write(IAC);
        out.write(SE);
    }
}
