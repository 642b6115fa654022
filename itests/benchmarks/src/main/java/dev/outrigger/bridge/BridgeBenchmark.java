package dev.outrigger.bridge;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.outrigger.device.SerialSettings;

/**
 * Outrigger's bridge against Debian's ser2net (4.3, with its defaults and tuned) on the same pty
 * pair, with a non-blocking echo on the far side, raw and RFC 2217: bulk throughput through the
 * echo and back (every byte checked), 16-byte round-trip latency p50/p99, and the bridge's CPU
 * seconds per MB; then the ratios Outrigger/ser2net. {@code java -cp benchmarks.jar
 * dev.outrigger.bridge.BridgeBenchmark [MiB]}
 */
public final class BridgeBenchmark {

    private static final int ROUND_TRIPS = 5000;
    private static final int MESSAGE = 16;

    record Result(String name, double mbPerSecond, double p50Millis, double p99Millis, double cpuSecondsPerMb) {
    }

    /** A bridge under test: started on a device, listening on a port, stopped; its CPU seconds so far. */
    private interface Target extends AutoCloseable {
        int port();

        double cpuSeconds() throws IOException;

        @Override
        void close() throws Exception;
    }

    private BridgeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int mib = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        Path folder = Files.createTempDirectory("bridge-bench");
        List<Result> results = new ArrayList<>();
        // a JIT warm-up pass of Outrigger's bridge in both modes, not measured: on two cores the
        // compiler threads would otherwise compete with whichever bridge is measured first
        for (boolean rfc2217 : new boolean[] { false, true }) {
            run("outrigger warm-up", folder.resolve(rfc2217 ? "warm-up-rfc2217" : "warm-up-raw"), Math.min(mib, 8),
                    rfc2217, device -> outrigger(device, rfc2217));
        }
        for (boolean rfc2217 : new boolean[] { false, true }) {
            String mode = rfc2217 ? "rfc2217" : "raw";
            results.add(run("outrigger " + mode, folder, mib, rfc2217, device -> outrigger(device, rfc2217)));
            results.add(run("ser2net " + mode + " defaults", folder, mib, rfc2217, device -> ser2net(folder, device, rfc2217, false)));
            results.add(run("ser2net " + mode + " tuned", folder, mib, rfc2217, device -> ser2net(folder, device, rfc2217, true)));
        }
        System.out.printf("%n%-28s %10s %10s %10s %14s%n", "bridge (" + mib + " MiB bulk, " + MESSAGE + "-byte round trips)",
                "MB/s", "p50 ms", "p99 ms", "CPU s per MB");
        for (Result r : results) {
            System.out.printf("%-28s %10.1f %10.3f %10.3f %14.4f%n", r.name(), r.mbPerSecond(), r.p50Millis(), r.p99Millis(),
                    r.cpuSecondsPerMb());
        }
        for (int i = 0; i < results.size(); i += 3) {
            Result o = results.get(i);
            for (Result s : List.of(results.get(i + 1), results.get(i + 2))) {
                System.out.printf("ratio %-22s throughput %.2f, p50 %.2f, p99 %.2f, CPU per MB %.2f%n",
                        o.name() + " / " + s.name().substring(s.name().lastIndexOf(' ') + 1), o.mbPerSecond() / s.mbPerSecond(),
                        o.p50Millis() / s.p50Millis(), o.p99Millis() / s.p99Millis(), o.cpuSecondsPerMb() / s.cpuSecondsPerMb());
            }
        }
    }

    private interface Starter {
        Target start(Path device) throws Exception;
    }

    private static Result run(String name, Path folder, int mib, boolean telnet, Starter starter) throws Exception {
        Path pair = Files.createDirectories(folder.resolve(name.replace(' ', '-')));
        try (PtyPair pty = new PtyPair(pair); Echo echo = new Echo(pty.peer.toRealPath()); Target target = starter.start(pty.device)) {
            try (Socket socket = connect(target.port())) {
                Client client = new Client(socket, telnet);
                byte[] bulk = new byte[mib * 1024 * 1024];
                new Random(11).nextBytes(bulk);
                // warm-up, the same for every bridge: connected, port open, negotiation done, and
                // Outrigger's code compiled by the JIT (ser2net is compiled ahead of time)
                for (int i = 0; i < ROUND_TRIPS; i++) {
                    client.roundTrip(new byte[MESSAGE]);
                }
                client.bulk(Arrays.copyOf(bulk, Math.min(bulk.length, 4 * 1024 * 1024)));
                double cpuBefore = target.cpuSeconds();
                long start = System.nanoTime();
                client.bulk(bulk);
                double seconds = (System.nanoTime() - start) / 1e9;
                double cpu = target.cpuSeconds() - cpuBefore;
                long[] rtt = new long[ROUND_TRIPS];
                byte[] message = new byte[MESSAGE];
                for (int i = 0; i < ROUND_TRIPS; i++) {
                    Arrays.fill(message, (byte) i);
                    long t = System.nanoTime();
                    client.roundTrip(message);
                    rtt[i] = System.nanoTime() - t;
                }
                Arrays.sort(rtt);
                double mb = bulk.length / 1e6;
                Result r = new Result(name, 2 * mb / seconds, rtt[ROUND_TRIPS / 2] / 1e6, rtt[ROUND_TRIPS * 99 / 100] / 1e6,
                        cpu / (2 * mb));
                System.out.printf("%s: %.1f MB/s, p50 %.3f ms, p99 %.3f ms, %.4f CPU s/MB%n", name, r.mbPerSecond(),
                        r.p50Millis(), r.p99Millis(), r.cpuSecondsPerMb());
                return r;
            }
        }
    }

    private static Socket connect(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                s.setTcpNoDelay(true);
                s.setSoTimeout(30_000);
                return s;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.onSpinWait();
            }
        }
    }

    /** Outrigger's bridge with its default settings, in this JVM: its CPU is its threads'. */
    private static Target outrigger(Path device, boolean rfc2217) throws IOException {
        Bridge bridge = new Bridge(new Bridge.Options("bench", "127.0.0.1", 0, rfc2217 ? Bridge.Mode.RFC2217 : Bridge.Mode.RAW,
                SerialSettings.DEFAULT, Bridge.Policy.KICKOLDUSER, 1, 0, List.of()));
        bridge.attach(BridgeTest.device(device.toRealPath().toString()));
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return new Target() {
            public int port() {
                return bridge.port();
            }

            public double cpuSeconds() {
                long nanos = 0;
                for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
                    if (t != null && t.getThreadName().startsWith("outrigger-bridge")) {
                        nanos += Math.max(0, threads.getThreadCpuTime(t.getThreadId()));
                    }
                }
                return nanos / 1e9;
            }

            public void close() {
                bridge.close();
            }
        };
    }

    /** Debian's ser2net on the same device, its defaults or tuned (no chardelay, 4096-byte buffers). */
    private static Target ser2net(Path folder, Path device, boolean rfc2217, boolean tuned) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path config = folder.resolve("ser2net-" + port + ".yaml");
        Files.writeString(config, "connection: &bench\n  accepter: " + (rfc2217 ? "telnet(rfc2217),tcp," : "tcp,") + "127.0.0.1,"
                + port + "\n  connector: serialdev," + device.toRealPath() + ",115200n81,local\n  options:\n    kickolduser: true\n"
                + (tuned ? "    chardelay: false\n    dev-to-net-bufsize: 4096\n    net-to-dev-bufsize: 4096\n" : ""));
        Process process = new ProcessBuilder("/usr/sbin/ser2net", "-n", "-c", config.toString(), "-P",
                folder.resolve("ser2net-" + port + ".pid").toString()).redirectErrorStream(true)
                .redirectOutput(folder.resolve("ser2net-" + port + ".log").toFile()).start();
        return new Target() {
            public int port() {
                return port;
            }

            public double cpuSeconds() throws IOException {
                String[] stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat")).split("\\) ")[1].split(" ");
                return (Long.parseLong(stat[11]) + Long.parseLong(stat[12])) / 100.0; // utime, stime in clock ticks
            }

            public void close() throws InterruptedException {
                process.destroy();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        };
    }

    /** The far end of the serial line: whatever arrives goes back, reading never waits for writing. */
    private static final class Echo implements AutoCloseable {
        private final FileInputStream in;
        private final FileOutputStream out;
        private final BlockingQueue<byte[]> pending = new LinkedBlockingQueue<>();
        private final Thread reader;
        private final Thread writer;

        Echo(Path peer) throws IOException {
            in = new FileInputStream(peer.toFile());
            out = new FileOutputStream(peer.toFile());
            reader = new Thread(() -> {
                byte[] buffer = new byte[65536];
                try {
                    for (int n; (n = in.read(buffer)) > 0;) {
                        pending.add(Arrays.copyOf(buffer, n));
                    }
                } catch (IOException closed) {
                    // done
                }
            });
            writer = new Thread(() -> {
                try {
                    while (true) {
                        out.write(pending.take());
                    }
                } catch (IOException | InterruptedException closed) {
                    // done
                }
            });
            reader.setDaemon(true);
            writer.setDaemon(true);
            reader.start();
            writer.start();
        }

        @Override
        public void close() throws IOException {
            writer.interrupt();
            in.close();
            out.close();
        }
    }

    /** The TCP side, raw or speaking just enough Telnet to pass data (IAC doubled, commands skipped). */
    private static final class Client {
        private final InputStream in;
        private final OutputStream out;
        private final boolean telnet;
        private int state;

        Client(Socket socket, boolean telnet) throws IOException {
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
            this.telnet = telnet;
        }

        void roundTrip(byte[] message) throws IOException {
            send(message, 0, message.length);
            byte[] back = receive(message.length);
            if (!Arrays.equals(message, back)) {
                throw new IOException("echo differs");
            }
        }

        /** Sends everything while receiving it back on another thread; every byte checked. */
        void bulk(byte[] data) throws Exception {
            Thread sender = new Thread(() -> {
                try {
                    for (int off = 0; off < data.length; off += 4096) {
                        send(data, off, Math.min(4096, data.length - off));
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            sender.start();
            byte[] back = receive(data.length);
            sender.join();
            if (!Arrays.equals(data, back)) {
                throw new IOException("bulk echo differs");
            }
        }

        private void send(byte[] data, int off, int len) throws IOException {
            if (!telnet) {
                out.write(data, off, len);
                return;
            }
            ByteArrayOutputStream escaped = new ByteArrayOutputStream(len + 16);
            for (int i = off; i < off + len; i++) {
                escaped.write(data[i]);
                if (data[i] == (byte) 0xff) {
                    escaped.write(0xff);
                }
            }
            out.write(escaped.toByteArray());
        }

        private byte[] receive(int n) throws IOException {
            byte[] data = new byte[n];
            byte[] buffer = new byte[65536];
            int have = 0;
            while (have < n) {
                int r = in.read(buffer, 0, telnet ? buffer.length : Math.min(buffer.length, n - have));
                if (r < 0) {
                    throw new IOException("closed after " + have + " bytes");
                }
                for (int i = 0; i < r; i++) {
                    int b = buffer[i] & 0xff;
                    if (!telnet) {
                        data[have++] = (byte) b;
                        continue;
                    }
                    // 0: data, 1: after IAC, 2: option byte follows, 3: in subnegotiation, 4: IAC in it
                    switch (state) {
                        case 0 -> {
                            if (b == 0xff) {
                                state = 1;
                            } else if (have < n) {
                                data[have++] = (byte) b;
                            }
                        }
                        case 1 -> {
                            if (b == 0xff) {
                                data[have++] = (byte) 0xff;
                                state = 0;
                            } else if (b == 250) {
                                state = 3;
                            } else {
                                state = b >= 251 ? 2 : 0;
                            }
                        }
                        case 2 -> state = 0;
                        case 3 -> state = b == 0xff ? 4 : 3;
                        default -> state = b == 240 ? 0 : 3;
                    }
                }
            }
            return data;
        }
    }
}
