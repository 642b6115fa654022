package dev.outrigger.meshtastic.protocol;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.Test;

import dev.outrigger.meshtastic.proto.FromRadio;
import dev.outrigger.meshtastic.proto.Heartbeat;
import dev.outrigger.meshtastic.proto.ToRadio;

public class FrameDecoderTest {

    private final List<byte[]> frames = new ArrayList<>();
    private final List<String> text = new ArrayList<>();
    private final List<String> malformed = new ArrayList<>();
    private final FrameDecoder decoder = new FrameDecoder(new FrameDecoder.Listener() {
        @Override
        public void frame(byte[] payload) {
            frames.add(payload);
        }

        @Override
        public void text(String line) {
            text.add(line);
        }

        @Override
        public void malformed(String why) {
            malformed.add(why);
        }
    });

    private static byte[] hex(String hex) {
        return HexFormat.ofDelimiter(" ").parseHex(hex);
    }

    private void feed(byte[] bytes) {
        decoder.feed(bytes, 0, bytes.length);
    }

    @Test
    public void theFirmwaresExampleFramesByteForByte() throws Exception {
        assertArrayEquals(hex("94 c3 00 02 3a 00"),
                Frames.encode(ToRadio.newBuilder().setHeartbeat(Heartbeat.getDefaultInstance()).build()));
        assertArrayEquals(hex("94 c3 00 04 18 ac 9e 04"), Frames.encode(ToRadio.newBuilder().setWantConfigId(69420).build()));
        feed(hex("94 c3 00 02 40 01"));
        assertEquals(1, frames.size());
        assertEquals(true, FromRadio.parseFrom(frames.get(0)).getRebooted());
    }

    @Test
    public void frameByFrameOrByteByByteTheSame() {
        byte[] stream = concat(hex("94 c3 00 02 40 01"), hex("94 c3 00 04 18 ac 9e 04"));
        for (byte b : stream) {
            feed(new byte[] { b });
        }
        assertEquals(2, frames.size());
        assertArrayEquals(hex("18 ac 9e 04"), frames.get(1));
    }

    @Test
    public void logTextBetweenFramesIsTextAndFramesSurviveIt() {
        feed(concat("INFO  | 12:00:01 [Router] Received packet\r\n".getBytes(StandardCharsets.UTF_8), hex("94 c3 00 02 40 01"),
                "DEBUG | partial line".getBytes(StandardCharsets.UTF_8), hex("94 c3 00 02 40 01"), " continued\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals(2, frames.size());
        assertEquals(List.of("INFO  | 12:00:01 [Router] Received packet", "DEBUG | partial line continued"), text);
    }

    @Test
    public void aStartByteInsideTextIsText() {
        // 0x94 is a UTF-8 continuation byte: "”" is e2 80 9d, "ǔ" is c7 94
        feed(concat("a ǔ b\n".getBytes(StandardCharsets.UTF_8), hex("94 94 c3 00 02 40 01")));
        assertEquals(List.of("a ǔ b"), text);
        assertEquals(1, frames.size());
    }

    @Test
    public void lengthsOver512AreSkippedAndTheNextValidFrameIsFound() {
        feed(concat(hex("94 c3 02 01"), hex("94 c3 00 02 40 01")));
        assertEquals(1, malformed.size());
        assertEquals(1, frames.size());
        // a bogus header whose length bytes start the real frame
        frames.clear();
        feed(hex("94 c3 94 c3 00 02 40 01"));
        assertEquals(1, frames.size());
    }

    @Test
    public void aTruncatedFrameIsCompletedByTheNextBytesAndGarbageBurstsAreSurvived() {
        feed(hex("94 c3 00 04 18 ac"));
        assertEquals(0, frames.size());
        feed(hex("9e 04"));
        assertEquals(1, frames.size());
        byte[] garbage = new byte[4096];
        new Random(42).nextBytes(garbage);
        feed(garbage);
        // whatever frame the garbage seemed to begin ends within 512 bytes; then frames are found again
        feed(new byte[Frames.MAX_PAYLOAD]);
        frames.clear();
        feed(hex("94 c3 00 02 40 01"));
        assertEquals(1, frames.size());
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
