package dev.outrigger.bridge;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import dev.outrigger.discovery.FakeSysfs;

/**
 * Outrigger as shipped (bin/outrigger, a bridge configured on a device its discovery found) against
 * Debian's ser2net (4.3, with its defaults and tuned) on the same pty pair, one process after the
 * other, with a non-blocking echo on the far side, raw and RFC 2217: bulk throughput through the
 * echo and back (every byte checked), 16-byte round-trip latency p50/p99, and each bridge process's
 * CPU seconds per MB, in interleaved rounds; then the medians and the ratios Outrigger/ser2net. {@code java -cp benchmarks.jar
 * dev.outrigger.bridge.BridgeBenchmark [MiB] [distribution folder, default run/target/outrigger] [rounds]}
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
        Path distribution = Path.of(args.length > 1 ? args[1] : "run/target/outrigger").toAbsolutePath();
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        if (!Files.isExecutable(distribution.resolve("bin/outrigger"))) {
            throw new IllegalArgumentException("no distribution at " + distribution
                    + " (mvn -B package -DskipTests -pl run -am, or pass its folder as the second argument)");
        }
        Path folder = Files.createTempDirectory("bridge-bench");
        byte[] bulk = new byte[mib * 1024 * 1024];
        new Random(11).nextBytes(bulk);
        List<Result> medians = new ArrayList<>();
        for (boolean rfc2217 : new boolean[] { false, true }) {
            String mode = rfc2217 ? "rfc2217" : "raw";
            // all three bridges up at once, each on its own pty pair, measured in turn round after
            // round: a machine that drifts (frequency, other load) drifts for all of them alike
            try (Bench outrigger = new Bench("outrigger " + mode, folder, rfc2217, d -> outrigger(distribution, folder, d, rfc2217));
                    Bench defaults = new Bench("ser2net " + mode + " defaults", folder, rfc2217, d -> ser2net(folder, d, rfc2217, false));
                    Bench tuned = new Bench("ser2net " + mode + " tuned", folder, rfc2217, d -> ser2net(folder, d, rfc2217, true))) {
                List<Bench> benches = List.of(outrigger, defaults, tuned);
                for (Bench bench : benches) {
                    bench.warmUp(bulk);
                }
                for (int round = 1; round <= rounds; round++) {
                    for (Bench bench : benches) {
                        Result r = bench.measure(bulk);
                        System.out.printf(Locale.ROOT, "round %d %-24s %6.1f MB/s, p50 %.3f ms, p99 %.3f ms, %.4f CPU s/MB%n",
                                round, r.name(),
                                r.mbPerSecond(), r.p50Millis(), r.p99Millis(), r.cpuSecondsPerMb());
                    }
                }
                benches.forEach(bench -> medians.add(bench.median()));
            }
        }
        // the distribution copies, pty links and logs: nothing is left in the temporary folder
        try (var paths = Files.walk(folder)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        System.out.printf(Locale.ROOT, "%n%-28s %10s %10s %10s %14s%n",
                "medians of " + rounds + " rounds (" + mib + " MiB bulk, " + MESSAGE
                + "-byte round trips)", "MB/s", "p50 ms", "p99 ms", "CPU s per MB");
        for (Result r : medians) {
            System.out.printf(Locale.ROOT, "%-28s %10.1f %10.3f %10.3f %14.4f%n", r.name(), r.mbPerSecond(), r.p50Millis(),
                    r.p99Millis(),
                    r.cpuSecondsPerMb());
        }
        for (int i = 0; i < medians.size(); i += 3) {
            Result o = medians.get(i);
            for (Result s : List.of(medians.get(i + 1), medians.get(i + 2))) {
                System.out.printf(Locale.ROOT, "ratio %-22s throughput %.2f, p50 %.2f, p99 %.2f, CPU per MB %.2f%n",
                        o.name() + " / " + s.name().substring(s.name().lastIndexOf(' ') + 1), o.mbPerSecond() / s.mbPerSecond(),
                        o.p50Millis() / s.p50Millis(), o.p99Millis() / s.p99Millis(), o.cpuSecondsPerMb() / s.cpuSecondsPerMb());
            }
        }
    }

    private interface Starter {
        Target start(Path device) throws Exception;
    }

    /** One bridge on its own pty pair with an echo behind it and a client connected to it. */
    private static final class Bench implements AutoCloseable {
        private final String name;
        private final PtyPair pty;
        private final Echo echo;
        private final Target target;
        private final Socket socket;
        private final Client client;
        private final List<Result> results = new ArrayList<>();

        Bench(String name, Path folder, boolean telnet, Starter starter) throws Exception {
            this.name = name;
            this.pty = new PtyPair(Files.createDirectories(folder.resolve(name.replace(' ', '-'))));
            this.echo = new Echo(pty.peer.toRealPath());
            this.target = starter.start(pty.device);
            this.socket = connect(target.port());
            this.client = new Client(socket, telnet);
        }

        /** The same for every bridge: port open, negotiation done, Outrigger's code compiled by the JIT. */
        void warmUp(byte[] bulk) throws Exception {
            for (int i = 0; i < ROUND_TRIPS; i++) {
                client.roundTrip(new byte[MESSAGE]);
            }
            client.bulk(Arrays.copyOf(bulk, Math.min(bulk.length, 4 * 1024 * 1024)));
        }

        Result measure(byte[] bulk) throws Exception {
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
            results.add(r);
            return r;
        }

        /** Each figure's median over the rounds. */
        Result median() {
            return new Result(name, median(Result::mbPerSecond), median(Result::p50Millis), median(Result::p99Millis),
                    median(Result::cpuSecondsPerMb));
        }

        private double median(ToDoubleFunction<Result> figure) {
            double[] values = results.stream().mapToDouble(figure).sorted().toArray();
            int n = values.length;
            return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
        }

        @Override
        public void close() throws Exception {
            try (PtyPair p = pty; Echo e = echo; Target t = target; Socket s = socket) {
                // closed in reverse: the client, the bridge, the echo, the pty pair
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

    /**
     * Outrigger as shipped: bin/outrigger in a copy of the distribution, its JVM settings, its
     * discovery finding the device (a fake sysfs whose ttyUSB0 node is the pty) and a bridge
     * configured on it with default settings. Its CPU is the whole process's.
     */
    private static Target outrigger(Path distribution, Path folder, Path device, boolean rfc2217) throws Exception {
        Path run = Files.createTempDirectory(folder, "outrigger-");
        Path home = run.resolve("outrigger");
        exec(List.of("cp", "-a", distribution.toString(), home.toString()));
        FakeSysfs tree = new FakeSysfs(run);
        Path node = tree.plugUsbSerial("ttyUSB0", "1-1", "1209", "0001", "Bench", "Bench UART", "B1", "ftdi_sio");
        Files.delete(node);
        Files.createSymbolicLink(node, device.toRealPath());
        int port = freePort();
        Path etc = home.resolve("etc");
        Files.writeString(etc.resolve("dev.outrigger.feature.cfg"), "install =\n");
        Files.writeString(etc.resolve("dev.outrigger.shell.cfg"), "enabled = true\nport = 0\n");
        Files.writeString(etc.resolve("dev.outrigger.discovery.cfg"), "sysfs = " + tree.sys + "\ndev = " + tree.dev
                + "\nproc = " + run.resolve("proc") + "\n");
        Files.writeString(etc.resolve("dev.outrigger.bridge-bench.cfg"), "device = ttyUSB0\nport = " + port
                + "\nmode = " + (rfc2217 ? "rfc2217" : "raw") + "\n");
        Process process = new ProcessBuilder(home.resolve("bin/outrigger").toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(run.resolve("outrigger.log").toFile()).start();
        Target target = new Target() {
            public int port() {
                return port;
            }

            public double cpuSeconds() throws IOException {
                return processCpuSeconds(process);
            }

            public void close() throws InterruptedException {
                process.destroy(); // SIGTERM, as a container stop
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            }
        };
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String shell = home.resolve("bin/outrigger-shell").toString();
        while (!exec(List.of(shell, "bridge:list")).lines().anyMatch(l -> l.contains(":" + port + " ") && l.contains("ready"))) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                target.close();
                throw new IOException("Outrigger's bridge not ready, see " + run.resolve("outrigger.log"));
            }
        }
        return target;
    }

    /** Runs a command to its end and returns its output (empty when it fails, e.g. a shell not up yet). */
    private static String exec(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? out : "";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** User and system CPU seconds of a process so far (Linux /proc, clock ticks of 1/100 s). */
    private static double processCpuSeconds(Process process) throws IOException {
        String[] stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat")).split("\\) ")[1].split(" ");
        return (Long.parseLong(stat[11]) + Long.parseLong(stat[12])) / 100.0;
    }

    /** Debian's ser2net on the same device, its defaults or tuned (no chardelay, 4096-byte buffers). */
    private static Target ser2net(Path folder, Path device, boolean rfc2217, boolean tuned) throws IOException {
        int port = freePort();
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
                return processCpuSeconds(process);
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
                    throw new UncheckedIOException(e);
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
