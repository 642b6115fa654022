package dev.outrigger.broker;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.AttributeKey;

/**
 * Lets a broker's bridge connect. Mosquitto's bridges (with {@code try_private}, its default) and
 * others after it announce themselves by the high bit of the CONNECT's protocol level (0x83, 0x84),
 * which Netty's decoder refuses as an unknown version. This handler, in front of the decoder, takes
 * the bit off and marks the channel, then leaves the pipeline; the session treats a marked client as
 * those brokers treat a bridge: what it publishes is not sent back to it (no loops between the two
 * brokers), and messages keep their retain flag (retained states propagate).
 */
final class BridgeConnect extends ByteToMessageDecoder {

    private static final AttributeKey<Boolean> BRIDGE = AttributeKey.valueOf(BridgeConnect.class, "bridge");
    private static final int CONNECT = 0x10;
    private static final int BRIDGE_BIT = 0x80;

    static boolean isBridge(Channel channel) {
        return Boolean.TRUE.equals(channel.attr(BRIDGE).get());
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int level = protocolLevelIndex(in);
        if (level == -1) {
            return; // more bytes needed to see it
        }
        if (level >= 0) {
            int value = in.getUnsignedByte(level);
            int version = value & ~BRIDGE_BIT;
            if ((value & BRIDGE_BIT) != 0 && (version == 3 || version == 4)) {
                in.setByte(level, version);
                ctx.channel().attr(BRIDGE).set(true);
            }
        }
        // whatever it was, the decoder takes it from here; leaving hands it the bytes read so far
        ctx.pipeline().remove(this);
    }

    /**
     * Where the protocol level of a CONNECT stands in the buffer; -1 when more bytes are needed,
     * -2 when this is no CONNECT with a protocol name (the decoder says what is wrong with it).
     */
    private static int protocolLevelIndex(ByteBuf in) {
        int at = in.readerIndex();
        int end = in.writerIndex();
        if (end - at < 1) {
            return -1;
        }
        if ((in.getUnsignedByte(at) & 0xF0) != CONNECT) {
            return -2;
        }
        // the remaining length: 1 to 4 bytes of 7 bits, the high bit saying another follows
        int i = at + 1;
        for (int n = 0;; n++) {
            if (i >= end) {
                return -1;
            }
            if (n == 4) {
                return -2;
            }
            if ((in.getUnsignedByte(i++) & 0x80) == 0) {
                break;
            }
        }
        if (end - i < 2) {
            return -1;
        }
        int nameLength = in.getUnsignedShort(i);
        if (nameLength > 6) {
            return -2; // "MQTT" or "MQIsdp"
        }
        int levelAt = i + 2 + nameLength;
        if (levelAt >= end) {
            return -1;
        }
        String name = in.toString(i + 2, nameLength, StandardCharsets.UTF_8);
        return name.equals("MQTT") || name.equals("MQIsdp") ? levelAt : -2;
    }
}
