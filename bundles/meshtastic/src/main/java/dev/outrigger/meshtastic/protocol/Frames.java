package dev.outrigger.meshtastic.protocol;

import java.util.Arrays;

import com.google.protobuf.MessageLite;

/**
 * The framing of the Meshtastic client API, the same on serial and TCP: {@code 0x94 0xC3}, the
 * payload's length as 16-bit big-endian, then the protobuf ({@code ToRadio} to the radio,
 * {@code FromRadio} from it).
 */
public final class Frames {

    public static final int START1 = 0x94;
    public static final int START2 = 0xC3;
    /** Longer payloads are invalid: the radio never sends them, and a length above is garbage. */
    public static final int MAX_PAYLOAD = 512;
    /** Wakes a sleeping radio and ends any partial frame it was reading: 32 times START2. */
    public static final byte[] WAKE = wake();

    private Frames() {
    }

    public static byte[] encode(MessageLite message) {
        byte[] payload = message.toByteArray();
        if (payload.length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("frame payload of " + payload.length + " bytes, at most " + MAX_PAYLOAD);
        }
        byte[] frame = new byte[payload.length + 4];
        frame[0] = (byte) START1;
        frame[1] = (byte) START2;
        frame[2] = (byte) (payload.length >> 8);
        frame[3] = (byte) payload.length;
        System.arraycopy(payload, 0, frame, 4, payload.length);
        return frame;
    }

    private static byte[] wake() {
        byte[] wake = new byte[32];
        Arrays.fill(wake, (byte) START2);
        return wake;
    }
}
