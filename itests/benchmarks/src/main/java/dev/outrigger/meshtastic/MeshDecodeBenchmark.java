package dev.outrigger.meshtastic;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.outrigger.meshtastic.proto.Data;
import dev.outrigger.meshtastic.proto.DeviceMetrics;
import dev.outrigger.meshtastic.proto.FromRadio;
import dev.outrigger.meshtastic.proto.MeshPacket;
import dev.outrigger.meshtastic.proto.PortNum;
import dev.outrigger.meshtastic.proto.Telemetry;
import dev.outrigger.meshtastic.protocol.FrameDecoder;
import dev.outrigger.meshtastic.protocol.Frames;

/**
 * A device telemetry packet as the radio frames it, through the frame decoder, protobuf decoding
 * and conversion to an outbox record (JSON): records per second on one core.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class MeshDecodeBenchmark {

    private byte[] frame;
    private FrameDecoder decoder;
    private Blackhole sink;

    @Setup
    public void frame(Blackhole blackhole) {
        sink = blackhole;
        Telemetry telemetry = Telemetry.newBuilder().setTime(1_700_000_000).setDeviceMetrics(DeviceMetrics.newBuilder()
                .setBatteryLevel(87).setVoltage(4.05f).setChannelUtilization(7.25f).setAirUtilTx(1.5f).setUptimeSeconds(86_400))
                .build();
        frame = Frames.encode(FromRadio.newBuilder().setId(42).setPacket(MeshPacket.newBuilder().setFrom(0x5a1a0002)
                .setTo(0xffffffff).setId(123_456).setRxTime(1_700_000_000).setRxSnr(6.25f).setRxRssi(-91).setHopStart(3)
                .setHopLimit(2).setDecoded(Data.newBuilder().setPortnum(PortNum.TELEMETRY_APP)
                        .setPayload(telemetry.toByteString()))).build());
        decoder = new FrameDecoder(new FrameDecoder.Listener() {
            @Override
            public void frame(byte[] payload) {
                try {
                    sink.consume(PacketRecords.record(FromRadio.parseFrom(payload).getPacket(), "!5a1a0001", num -> "", 1_700_000_000L));
                } catch (InvalidProtocolBufferException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void text(String line) {
                throw new IllegalStateException("no text in this stream");
            }
        });
    }

    @Benchmark
    public void telemetryFrameToRecord() {
        decoder.feed(frame, 0, frame.length);
    }
}
