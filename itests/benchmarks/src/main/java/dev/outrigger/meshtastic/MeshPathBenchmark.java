package dev.outrigger.meshtastic;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.outrigger.meshtastic.proto.Data;
import dev.outrigger.meshtastic.proto.DeviceMetrics;
import dev.outrigger.meshtastic.proto.FromRadio;
import dev.outrigger.meshtastic.proto.MeshPacket;
import dev.outrigger.meshtastic.proto.MyNodeInfo;
import dev.outrigger.meshtastic.proto.PortNum;
import dev.outrigger.meshtastic.proto.Telemetry;
import dev.outrigger.meshtastic.proto.ToRadio;
import dev.outrigger.meshtastic.protocol.FrameDecoder;
import dev.outrigger.meshtastic.protocol.Frames;
import dev.outrigger.outbox.Outbox;
import dev.outrigger.outbox.OutboxException;
import dev.outrigger.outbox.OutboxRecord;
import dev.outrigger.outbox.store.BenchOutbox;

/**
 * The whole path of a mesh packet, from a radio's TCP API to a durable record: a stand-in radio
 * answers the handshake, then sends telemetry packets at a steady rate; each packet's latency is
 * from its frame leaving the radio to the outbox's append returning (sync=always: on disk).
 * {@code java -cp benchmarks.jar dev.outrigger.meshtastic.MeshPathBenchmark [packets] [per second]}
 */
public final class MeshPathBenchmark {

    private MeshPathBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int packets = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        Path folder = Files.createTempDirectory("mesh-path");
        Map<Long, Long> sent = new ConcurrentHashMap<>();
        long[] latency = new long[packets];
        AtomicInteger done = new AtomicInteger();
        Outbox store = BenchOutbox.open(folder.resolve("outbox.mv.db"), Map.of("sync", "always"));
        Outbox timed = new Outbox() {
            public long append(OutboxRecord record) throws OutboxException {
                return appendAll(List.of(record));
            }

            public long appendAll(List<OutboxRecord> records) throws OutboxException {
                long sequence = store.appendAll(records);
                for (OutboxRecord record : records) {
                    if (record.topic().endsWith("/node")) {
                        continue; // the sender's state, appended with its packet's record: not what is timed
                    }
                    String json = new String(record.payload(), StandardCharsets.UTF_8);
                    long id = Long.parseLong(json.substring(json.indexOf("\"id\":") + 5, json.indexOf(',')));
                    Long at = sent.remove(id);
                    if (at != null) {
                        int i = done.getAndIncrement();
                        if (i < packets) {
                            latency[i] = System.nanoTime() - at;
                        }
                    }
                }
                return sequence;
            }

            public List<Entry> read(long after, int max, long timeout, TimeUnit unit) {
                return List.of();
            }

            public void delete(long sequence) {
                store.delete(sequence);
            }

            public Stats stats() {
                return store.stats();
            }
        };
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Radio radio = new Radio(timed, new Radio.Options("127.0.0.1:" + server.getLocalPort(), 115200,
                    new RadioSession.Timing(5_000, 300_000, 200, 1_000), 60, null));
            try (Socket socket = server.accept()) {
                socket.setTcpNoDelay(true);
                handshake(socket.getInputStream(), socket.getOutputStream());
                OutputStream out = socket.getOutputStream();
                long interval = TimeUnit.SECONDS.toNanos(1) / rate;
                long next = System.nanoTime();
                for (int i = 1; i <= packets; i++) {
                    while (System.nanoTime() < next) {
                        Thread.onSpinWait();
                    }
                    next += interval;
                    byte[] frame = Frames.encode(FromRadio.newBuilder().setPacket(MeshPacket.newBuilder().setFrom(0x5a1a0002)
                            .setTo(0xffffffff).setId(i).setRxTime(1_700_000_000).setRxSnr(5.5f).setRxRssi(-90)
                            .setDecoded(Data.newBuilder().setPortnum(PortNum.TELEMETRY_APP).setPayload(Telemetry.newBuilder()
                                    .setDeviceMetrics(DeviceMetrics.newBuilder().setBatteryLevel(80).setVoltage(3.9f))
                                    .build().toByteString()))).build());
                    sent.put((long) i, System.nanoTime());
                    out.write(frame);
                    out.flush();
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (done.get() < packets && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
            } finally {
                radio.close();
                BenchOutbox.close(store);
            }
        }
        int n = Math.min(done.get(), packets);
        long[] measured = Arrays.copyOf(latency, n);
        Arrays.sort(measured);
        System.out.printf(Locale.ROOT,
                "%nradio TCP frame to durable outbox record (sync=always), %d packets at %d/s: p50 %.2f ms, p99 %.2f ms, "
                + "max %.2f ms (%d of %d recorded)%n", packets, rate, measured[n / 2] / 1e6, measured[n * 99 / 100] / 1e6,
                measured[n - 1] / 1e6, n, packets);
    }

    /** The radio's side of want_config_id: its node number, then the matching config_complete_id. */
    private static void handshake(InputStream in, OutputStream out) throws Exception {
        int[] nonce = { -1 };
        FrameDecoder decoder = new FrameDecoder(new FrameDecoder.Listener() {
            public void frame(byte[] payload) {
                try {
                    ToRadio message = ToRadio.parseFrom(payload);
                    if (message.hasWantConfigId()) {
                        nonce[0] = message.getWantConfigId();
                    }
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    throw new IllegalStateException(e);
                }
            }

            public void text(String line) {
                // the wake-up bytes
            }
        });
        byte[] buffer = new byte[1024];
        while (nonce[0] < 0) {
            int n = in.read(buffer);
            if (n < 0) {
                throw new IllegalStateException("radio session ended during the handshake");
            }
            decoder.feed(buffer, 0, n);
        }
        out.write(Frames.encode(FromRadio.newBuilder().setMyInfo(MyNodeInfo.newBuilder().setMyNodeNum(0x5a1a0001)).build()));
        out.write(Frames.encode(FromRadio.newBuilder().setConfigCompleteId(nonce[0]).build()));
        out.flush();
    }
}
