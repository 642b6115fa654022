package dev.outrigger.meshtastic.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Splits a byte stream from a radio into frames and the text between them (on serial, the radio's
 * own log). Resynchronises byte by byte: a start byte that is not followed by a valid header is
 * text, a length over {@link Frames#MAX_PAYLOAD} is reported and skipped. Memory is bounded by one
 * frame and one log line.
 */
public final class FrameDecoder {

    /** What the decoder found. Called on the thread that feeds it. */
    public interface Listener {

        void frame(byte[] payload);

        /** A line of text outside frames, without its line end. */
        void text(String line);

        /** A header that cannot be a frame; the bytes are skipped. */
        default void malformed(String why) {
        }
    }

    /** Longer text lines are cut: a radio's log lines are short, anything else is noise. */
    static final int MAX_LINE = 512;

    private enum State { TEXT, START2, LENGTH1, LENGTH2, PAYLOAD }

    private final Listener listener;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private State state = State.TEXT;
    private int length;
    private byte[] payload;
    private int filled;

    public FrameDecoder(Listener listener) {
        this.listener = listener;
    }

    public void feed(byte[] bytes, int offset, int count) {
        for (int i = offset; i < offset + count; i++) {
            int b = bytes[i] & 0xff;
            switch (state) {
                case TEXT -> {
                    if (b == Frames.START1) {
                        state = State.START2;
                    } else {
                        text(b);
                    }
                }
                case START2 -> {
                    if (b == Frames.START2) {
                        state = State.LENGTH1;
                    } else {
                        text(Frames.START1);
                        state = State.TEXT;
                        i--; // this byte may start a frame itself
                    }
                }
                case LENGTH1 -> {
                    length = b << 8;
                    state = State.LENGTH2;
                }
                case LENGTH2 -> {
                    length |= b;
                    if (length > Frames.MAX_PAYLOAD) {
                        listener.malformed("frame length " + length + " over " + Frames.MAX_PAYLOAD + ", skipped");
                        // not a header: its bytes after the first may still start a real frame
                        state = State.TEXT;
                        text(Frames.START1);
                        feed(new byte[] { (byte) Frames.START2, (byte) (length >> 8), (byte) length }, 0, 3);
                    } else if (length == 0) {
                        state = State.TEXT;
                        listener.frame(new byte[0]);
                    } else {
                        payload = new byte[length];
                        filled = 0;
                        state = State.PAYLOAD;
                    }
                }
                case PAYLOAD -> {
                    int n = Math.min(length - filled, offset + count - i);
                    System.arraycopy(bytes, i, payload, filled, n);
                    filled += n;
                    i += n - 1;
                    if (filled == length) {
                        state = State.TEXT;
                        byte[] done = payload;
                        payload = null;
                        listener.frame(done);
                    }
                }
            }
        }
    }

    private void text(int b) {
        if (b == '\n') {
            flushLine();
        } else if (b != '\r' && line.size() < MAX_LINE) {
            line.write(b);
        }
    }

    private void flushLine() {
        if (line.size() > 0) {
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (!text.isBlank()) {
                listener.text(text);
            }
        }
    }
}
