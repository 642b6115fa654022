package dev.outrigger.bridge;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.stream.Collectors;

import com.fazecast.jSerialComm.SerialPort;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.outrigger.device.Role;
import dev.outrigger.device.SerialDevice;
import dev.outrigger.device.SerialSettings;
import dev.outrigger.device.UsbIdentity;
import dev.outrigger.framework.Await;

/** A raw bridge over a real pseudo-terminal pair, with a real TCP client. */
public class BridgeTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private PtyPair pty;
    private Bridge bridge;
    private FileInputStream fromPeer;
    private FileOutputStream toPeer;

    @Before
    public void setUp() throws Exception {
        pty = new PtyPair(folder.getRoot().toPath());
        bridge = new Bridge(new Bridge.Options("test", "127.0.0.1", 0, Bridge.Mode.RAW, SerialSettings.DEFAULT, Bridge.Policy.KICKOLDUSER,
                1, 0, AllowList.ANYONE));
        bridge.attach(device(pty.device.toRealPath().toString()));
        fromPeer = new FileInputStream(pty.peer.toRealPath().toFile());
        toPeer = new FileOutputStream(pty.peer.toRealPath().toFile());
    }

    @After
    public void tearDown() throws Exception {
        bridge.close();
        fromPeer.close();
        toPeer.close();
        pty.close();
    }

    @Test
    public void everyByteValuePassesUnmodifiedBothWays() throws Exception {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        try (Socket client = connect()) {
            client.getOutputStream().write(all);
            assertArrayEquals("TCP to serial", all, PtyPair.readFully(fromPeer, 256));
            toPeer.write(all);
            assertArrayEquals("serial to TCP", all, PtyPair.readFully(client.getInputStream(), 256));
        }
    }

    @Test
    public void megabytesRoundTripThroughAnEchoWithEveryByteChecked() throws Exception {
        int size = 4 * 1024 * 1024;
        byte[] sent = new byte[size];
        new Random(42).nextBytes(sent);
        // The far end echoes. Its reading never waits for its writing: socat relays both ends of
        // the pair in one thread with blocking writes, and an echo that stops reading while it
        // writes deadlocks the pair after a few hundred kilobytes.
        BlockingQueue<byte[]> pending = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try {
                for (int total = 0; total < size;) {
                    int n = fromPeer.read(buffer);
                    pending.add(Arrays.copyOf(buffer, n));
                    total += n;
                }
            } catch (IOException e) {
                // the test fails on what did not come back
            }
        });
        Thread writer = new Thread(() -> {
            try {
                for (int total = 0; total < size;) {
                    byte[] chunk = pending.take();
                    toPeer.write(chunk);
                    total += chunk.length;
                }
            } catch (IOException | InterruptedException e) {
                // the test fails on what did not come back
            }
        });
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
        try (Socket client = connect()) {
            client.setSoTimeout(30_000);
            Thread sender = new Thread(() -> {
                try {
                    client.getOutputStream().write(sent);
                } catch (IOException e) {
                    // the read below fails then
                }
            });
            sender.start();
            long start = System.nanoTime();
            byte[] back = client.getInputStream().readNBytes(size);
            double seconds = (System.nanoTime() - start) / 1e9;
            assertArrayEquals("4 MiB through the bridge and back, every byte", sent, back);
            System.out.printf(Locale.ROOT, "raw bridge echo round trip: %.1f MB/s%n", size / seconds / 1e6);
            assertEquals(size, bridge.bytes()[0]);
            assertEquals(size, bridge.bytes()[1]);
        }
    }

    @Test
    public void aNewClientReplacesTheOldOneWithKickolduser() throws Exception {
        try (Socket first = connect()) {
            first.getOutputStream().write('x');
            assertEquals('x', PtyPair.readFully(fromPeer, 1)[0]);
            try (Socket second = connect()) {
                String told = new String(first.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(told, told.contains("replaced by a new client"));
                second.getOutputStream().write('y');
                assertEquals('y', PtyPair.readFully(fromPeer, 1)[0]);
            }
        }
    }

    @Test
    public void sharedModeFeedsEveryClientAndRefusesOneTooMany() throws Exception {
        bridge.close();
        bridge = new Bridge(new Bridge.Options("shared", "127.0.0.1", 0, Bridge.Mode.RAW, SerialSettings.DEFAULT,
                Bridge.Policy.SHARE, 2, 0, AllowList.ANYONE));
        bridge.attach(device(pty.device.toRealPath().toString()));
        try (Socket a = connect(); Socket b = connect()) {
            a.getOutputStream().write('a');
            b.getOutputStream().write('b');
            byte[] both = PtyPair.readFully(fromPeer, 2);
            assertTrue(new String(both, StandardCharsets.US_ASCII), new String(both, StandardCharsets.US_ASCII).matches("ab|ba"));
            toPeer.write(new byte[] { 'x', 'y' });
            assertArrayEquals(new byte[] { 'x', 'y' }, PtyPair.readFully(a.getInputStream(), 2));
            assertArrayEquals(new byte[] { 'x', 'y' }, PtyPair.readFully(b.getInputStream(), 2));
            try (Socket c = connect()) {
                String told = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(told, told.contains("busy: 2 client(s) connected"));
            }
        }
    }

    @Test
    public void aClientThatStopsReadingIsClosedAndTheOthersGetEveryByte() throws Exception {
        bridge.close();
        bridge = new Bridge(new Bridge.Options("shared", "127.0.0.1", 0, Bridge.Mode.RAW, SerialSettings.DEFAULT,
                Bridge.Policy.SHARE, 2, 0, AllowList.ANYONE));
        bridge.attach(device(pty.device.toRealPath().toString()));
        Socket stalled = new Socket();
        stalled.setReceiveBufferSize(4096); // before connecting: it sets the TCP window
        stalled.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), bridge.port()));
        try (Socket reader = connect(); stalled) {
            reader.getOutputStream().write('r');
            stalled.getOutputStream().write('s');
            PtyPair.readFully(fromPeer, 2); // both connected and the port open
            byte[] sent = new byte[8 * 1024 * 1024];
            new Random(7).nextBytes(sent);
            // a device no faster than its reader: at most 128 KiB ahead of what the reader has read
            Semaphore window = new Semaphore(32);
            Thread device = new Thread(() -> {
                try {
                    for (int off = 0; off < sent.length; off += 4096) {
                        window.acquire();
                        toPeer.write(sent, off, 4096);
                    }
                } catch (IOException | InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            device.start();
            byte[] received = new byte[sent.length];
            InputStream fromReader = reader.getInputStream();
            int done = 0;
            for (int released = 0; done < sent.length;) {
                int n = fromReader.read(received, done, sent.length - done);
                assertTrue("end of stream after " + done + " bytes", n > 0);
                done += n;
                window.release(done / 4096 - released);
                released = done / 4096;
            }
            assertArrayEquals("every byte, in order, for the client that reads", sent, received);
            device.join(10_000);
            // the one that never read was cut off: what it can still read ends long before 4 MiB
            stalled.setSoTimeout(5_000);
            long got = 0;
            try (InputStream in = stalled.getInputStream()) {
                byte[] buffer = new byte[65536];
                for (int n; (n = in.read(buffer)) > 0;) {
                    got += n;
                }
            } catch (SocketException reset) {
                // closed with a reset: as good as an end of stream here
            }
            assertTrue("closed after at most the queue and the socket buffers: " + got, got < 1024 * 1024);
        }
    }

    @Test
    public void aPortThatCannotBeOpenedIsRetriedWithBackoffAndClientsAreToldWhy() throws Exception {
        bridge.detach();
        bridge.attach(device(folder.getRoot().toPath().resolve("ttyGONE").toString()));
        try (Socket first = connect()) {
            String reason = new String(first.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(reason, reason.contains("cannot open") && reason.contains("no such device"));
        }
        try (Socket soon = connect()) {
            String reason = new String(soon.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue("no new attempt within the backoff: " + reason, reason.contains("next attempt in"));
        }
        assertEquals("the runtime's health says it", "Bridge test: cannot open " + folder.getRoot() + "/ttyGONE: no such device: unplugged, or not passed into the container",
                bridge.problem().orElse("none"));
        // the device back: tried at once
        bridge.detach();
        assertEquals("an absent device is no problem", Optional.empty(), bridge.problem());
        bridge.attach(device(pty.device.toRealPath().toString()));
        try (Socket back = connect()) {
            back.getOutputStream().write('z');
            assertEquals('z', PtyPair.readFully(fromPeer, 1)[0]);
        }
        assertEquals(Optional.empty(), bridge.problem());
    }

    @Test
    public void aPortAnotherProgramHoldsIsReportedBusy() throws Exception {
        SerialPort holder = SerialPort.getCommPort(pty.device.toRealPath().toString());
        assertTrue(holder.openPort());
        try (Socket client = connect()) {
            String reason = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(reason, reason.contains("busy: another program has it open"));
        } finally {
            holder.closePort();
        }
    }

    @Test
    public void unplugClosesClientsAndNewOnesAreToldWhyUntilTheDeviceReturns() throws Exception {
        Socket client = connect();
        client.getOutputStream().write('a');
        assertEquals('a', PtyPair.readFully(fromPeer, 1)[0]);
        bridge.detach();
        String told = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(told, told.contains("device unplugged"));
        client.close();
        try (Socket meanwhile = connect()) {
            String reason = new String(meanwhile.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals("outrigger: test: device not present\r\n", reason);
        }
        bridge.attach(device(pty.device.toRealPath().toString()));
        try (Socket back = connect()) {
            back.getOutputStream().write('b');
            assertEquals('b', PtyPair.readFully(fromPeer, 1)[0]);
        }
    }

    @Test
    public void aPortTakenAtStartIsListenedOnOnceItIsFree() throws Exception {
        bridge.close();
        int port;
        try (ServerSocket ser2netStillRunning = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = ser2netStillRunning.getLocalPort();
            bridge = new Bridge(new Bridge.Options("late", "127.0.0.1", port, Bridge.Mode.RAW, SerialSettings.DEFAULT,
                    Bridge.Policy.KICKOLDUSER, 1, 0, AllowList.ANYONE));
            bridge.attach(device(pty.device.toRealPath().toString()));
            assertEquals("not listening while the port is taken", -1, bridge.port());
            assertEquals("the runtime's health says why", "Bridge late cannot listen on 127.0.0.1:" + port + " (Address already in use)",
                    bridge.problem().orElse("none"));
        }
        Await.until("listening once the port is free", Duration.ofSeconds(10), () -> bridge.port() == port);
        assertEquals(Optional.empty(), bridge.problem());
        try (Socket client = connect()) {
            client.getOutputStream().write('x');
            assertEquals('x', PtyPair.readFully(fromPeer, 1)[0]);
        }
    }

    /** bridge:tap, as a person looking for why zigbee2mqtt gets no answer from the stick would use it. */
    @Test
    public void aTapShowsWhatPassesEachWayAsAHexDumpAndSaysWhatItCouldNotKeep() throws Exception {
        try (Socket client = connect(); Tapping tapping = new Tapping(bridge)) {
            assertEquals("nothing passed within 1 s\n", printed(tapping, 10, 1));

            client.getOutputStream().write("AT+VER\r".getBytes(StandardCharsets.US_ASCII));
            PtyPair.readFully(fromPeer, 7);
            byte[] answer = new byte[20];
            for (int i = 0; i < answer.length; i++) {
                answer[i] = (byte) (0x70 + i);
            }
            toPeer.write(answer);
            PtyPair.readFully(client.getInputStream(), answer.length);
            List<String> lines = printed(tapping, 10, 1).lines().toList();
            assertTrue(lines.get(0), lines.get(0).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  to device    "
                    + "41 54 2b 56 45 52 0d {29}AT\\+VER\\."));
            // however the pty cut the answer: its lines say it whole, sixteen bytes a line at most, in order
            List<String> fromDevice = lines.subList(1, lines.size());
            assertTrue(fromDevice.get(0), fromDevice.get(0).substring(12).startsWith("  from device  70 71 72 "));
            assertEquals("70 71 72 73 74 75 76 77 78 79 7a 7b 7c 7d 7e 7f 80 81 82 83", fromDevice.stream()
                    .map(l -> l.substring(27, 27 + 3 * Tapping.PER_LINE).strip()).collect(Collectors.joining(" ")));
            assertEquals("pqrstuvwxyz{|}~.....", fromDevice.stream().map(l -> l.substring(27 + 3 * Tapping.PER_LINE).strip())
                    .collect(Collectors.joining()));

            // a device faster than the terminal: what the tap cannot hold is counted, and the bridge goes on
            byte[] flood = new byte[Tapping.HELD_BYTES + 64 * 1024];
            toPeer.write(flood);
            PtyPair.readFully(client.getInputStream(), flood.length);
            String last = printed(tapping, 1, 1).lines().reduce((a, b) -> b).orElseThrow();
            assertTrue(last, last.matches("\\d+ byte\\(s\\) passed unshown: more than the shell could print as they came")
                    && Long.parseLong(last.split(" ")[0]) >= 64 * 1024);
        }
    }

    @Test
    public void aTapEndsWhenItsBridgeStopsAndSaysSo() throws Exception {
        try (Tapping tapping = new Tapping(bridge)) {
            bridge.close(); // as a change of its configuration does
            assertEquals("the bridge stopped (its configuration changed, or its bundle is being updated); bridge:tap again to go on\n",
                    printed(tapping, 100, 30));
        }
    }

    @Test
    public void tapRefusesCountsAndTimesBelowOne() {
        assertEquals("-n and -t take a number from 1 on, not -5", assertThrows(IllegalArgumentException.class,
                () -> new BridgeCommands().tap(null, 100, -5, bridge.port())).getMessage());
    }

    private static String printed(Tapping tapping, int count, int seconds) throws InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        tapping.print(new PrintStream(out, true, StandardCharsets.UTF_8), count, seconds);
        return out.toString(StandardCharsets.UTF_8);
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), bridge.port());
        s.setSoTimeout(5_000);
        return s;
    }

    static SerialDevice device(String path) {
        return device(path, Role.BRIDGE);
    }

    static SerialDevice device(String path, Role role) {
        return device("test-device", path, role);
    }

    static SerialDevice device(String id, String path, Role role) {
        return device(id, path, role, 0);
    }

    /** With the TCP port its profile suggests, which an automatic bridge listens on. */
    static SerialDevice device(String id, String path, Role role, int port) {
        return new SerialDevice() {
            public String id() { return id; }
            public String path() { return path; }
            public String name() { return "ttyTEST"; }
            public Optional<String> byId() { return Optional.empty(); }
            public Optional<String> byPath() { return Optional.empty(); }
            public String driver() { return "pty"; }
            public Optional<UsbIdentity> usb() { return Optional.empty(); }
            public Role role() { return role; }
            public SerialSettings settings() { return SerialSettings.DEFAULT; }
            public int suggestedPort() { return port; }
            public String profile() { return "test"; }
        };
    }
}
