package dev.outrigger.broker;

import static dev.outrigger.broker.ClientSessionFuzzTest.BROKER;
import static dev.outrigger.broker.ClientSessionFuzzTest.session;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * Whatever a client sends first, in whatever two pieces (a bridge's CONNECT, another protocol's
 * greeting, garbage): the session never throws and leaves nothing behind once closed. A class of
 * its own, since Jazzer fuzzes one test a run.
 */
class ConnectFuzzTest {

    @FuzzTest(maxDuration = "5s")
    void anyFirstBytesInTwoPieces(byte[] bytes) {
        EmbeddedChannel client = session();
        int cut = bytes.length == 0 ? 0 : (bytes[0] & 0xFF) % bytes.length;
        client.writeInbound(Unpooled.wrappedBuffer(bytes, 0, cut));
        if (client.isOpen()) { // not refused on the first piece alone
            client.writeInbound(Unpooled.wrappedBuffer(bytes, cut, bytes.length - cut));
        }
        client.runPendingTasks();
        client.finishAndReleaseAll();
        if (BROKER.stats().clients() != 0) {
            throw new IllegalStateException(BROKER.stats().clients() + " session(s) left behind after their channels closed");
        }
    }
}
