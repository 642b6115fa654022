package dev.outrigger.meshtastic;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;

import dev.outrigger.meshtastic.proto.FromRadio;
import dev.outrigger.meshtastic.protocol.FrameDecoder;

/**
 * Whatever bytes a radio (or a broken cable) sends: the frame decoder, protobuf decoding and the
 * record conversion never throw (except the protobuf parser's own checked refusal), never hang,
 * never allocate without bound. Jazzer reports a crash, a timeout or an out-of-memory as a failure.
 */
class FromRadioFuzzTest {

    @FuzzTest(maxDuration = "20s")
    void anyBytesFromARadio(byte[] bytes) {
        FrameDecoder decoder = new FrameDecoder(new FrameDecoder.Listener() {
            @Override
            public void frame(byte[] payload) {
                try {
                    FromRadio message = FromRadio.parseFrom(payload);
                    if (message.hasPacket()) {
                        PacketRecords.record(message.getPacket(), "!00000001", num -> "", 1_700_000_000L);
                        new NodeTable().heard(message.getPacket(), 1_700_000_000L);
                    }
                    if (message.hasNodeInfo()) {
                        new NodeTable().nodeInfo(message.getNodeInfo());
                    }
                } catch (InvalidProtocolBufferException expected) {
                    // a refusal, not a crash
                }
            }

            @Override
            public void text(String line) {
                // log text: nothing to check
            }
        });
        decoder.feed(bytes, 0, bytes.length);
    }
}
