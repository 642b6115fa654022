package dev.outrigger.bridge;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.outrigger.device.SerialSettings;
import dev.outrigger.framework.Await;

/** RFC 2217: the parser on its own, and the whole bridge against pyserial's rfc2217:// client. */
public class Rfc2217Test {

    /** Debian's interpreter, where python3-serial installs pyserial. */
    private static final String PYTHON = "/usr/bin/python3";

    /** What the bridge says first: WILL and DO BINARY, WILL and DO SGA, WILL ECHO. */
    private static final byte[] GREETING = { (byte) 255, (byte) 251, 0, (byte) 255, (byte) 253, 0, (byte) 255, (byte) 251, 3,
            (byte) 255, (byte) 253, 3, (byte) 255, (byte) 251, 1 };

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    /** Records what the client set, answering with it. */
    private static final class Recording implements Rfc2217.Port {
        int baud;
        int control;
        int lines;

        public int baud(int requested) {
            if (requested > 0) {
                baud = requested;
            }
            return baud;
        }

        public int dataBits(int requested) {
            return requested;
        }

        public int parity(int requested) {
            return requested;
        }

        public int stopBits(int requested) {
            return requested;
        }

        public int control(int requested) {
            control = requested;
            return requested;
        }

        public void purge(int which) {
        }

        public int modemLines() {
            return lines;
        }
    }

    @Test
    public void separatesDataFromCommandsAndAnswersWithCodePlus100() {
        Recording port = new Recording();
        Rfc2217 telnet = new Rfc2217(() -> port, "test", () -> { });
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        ByteArrayOutputStream replies = new ByteArrayOutputStream();
        byte[] in = { 'a', (byte) 255, (byte) 255, 'b', // data with an escaped 0xFF
                (byte) 255, (byte) 251, 44, // WILL COM-PORT-OPTION
                (byte) 255, (byte) 250, 44, 1, 0, 0, (byte) 0x96, 0, (byte) 255, (byte) 240, // SET-BAUDRATE 38400
                (byte) 255, (byte) 250, 44, 5, 9, (byte) 255, (byte) 240, // SET-CONTROL DTR off
                'c' };
        // split anywhere: the parser keeps its state between reads
        telnet.receive(in, 9, data, replies);
        telnet.receive(Arrays.copyOfRange(in, 9, in.length), in.length - 9, data, replies);

        assertArrayEquals(new byte[] { 'a', (byte) 255, 'b', 'c' }, data.toByteArray());
        assertEquals(38400, port.baud);
        assertEquals(9, port.control);
        byte[] expected = { (byte) 255, (byte) 253, 44, // DO COM-PORT-OPTION
                (byte) 255, (byte) 250, 44, 107, 0, (byte) 255, (byte) 240, // NOTIFY-MODEMSTATE: no line up
                (byte) 255, (byte) 250, 44, 101, 0, 0, (byte) 0x96, 0, (byte) 255, (byte) 240,
                (byte) 255, (byte) 250, 44, 105, 9, (byte) 255, (byte) 240 };
        assertArrayEquals(expected, replies.toByteArray());
        assertArrayEquals(new byte[] { 1, (byte) 255, (byte) 255, 2 }, Rfc2217.escape(new byte[] { 1, (byte) 255, 2 }));
    }

    @Test
    public void aClientIsToldWhichModemLinesChangedWithinTheMaskItSet() {
        Recording port = new Recording();
        Rfc2217 telnet = new Rfc2217(() -> port, "test", () -> { });
        port.lines = Rfc2217.CTS | Rfc2217.RI;
        assertArrayEquals("nothing before the client takes up COM-PORT-OPTION", new byte[0], telnet.modemLinesChanged());

        ByteArrayOutputStream replies = new ByteArrayOutputStream();
        telnet.receive(new byte[] { (byte) 255, (byte) 251, 44 }, 3, new ByteArrayOutputStream(), replies);
        assertArrayEquals(new byte[] { (byte) 255, (byte) 253, 44, (byte) 255, (byte) 250, 44, 107, 0x50, (byte) 255, (byte) 240 },
                replies.toByteArray());
        assertArrayEquals("unchanged: nothing", new byte[0], telnet.modemLinesChanged());

        port.lines = Rfc2217.CTS | Rfc2217.DSR | Rfc2217.CD; // RI ended, DSR and CD came up
        assertArrayEquals(new byte[] { (byte) 255, (byte) 250, 44, 107, (byte) (0x80 | 0x20 | 0x10 | 0x08 | 0x04 | 0x02),
                (byte) 255, (byte) 240 }, telnet.modemLinesChanged());

        telnet.receive(new byte[] { (byte) 255, (byte) 250, 44, 11, 0x11, (byte) 255, (byte) 240 }, 7,
                new ByteArrayOutputStream(), new ByteArrayOutputStream()); // SET-MODEMSTATE-MASK: CTS and its change
        port.lines = Rfc2217.DSR;
        assertArrayEquals(new byte[] { (byte) 255, (byte) 250, 44, 107, 0x01, (byte) 255, (byte) 240 }, telnet.modemLinesChanged());

        ByteArrayOutputStream polled = new ByteArrayOutputStream(); // pyserial's poll_modem: the lines, changed or not
        telnet.receive(new byte[] { (byte) 255, (byte) 250, 44, 7, (byte) 255, (byte) 240 }, 6, new ByteArrayOutputStream(), polled);
        assertArrayEquals(new byte[] { (byte) 255, (byte) 250, 44, 107, 0x00, (byte) 255, (byte) 240 }, polled.toByteArray());
    }

    @Test
    public void theCommandsPyserialDoesNotSendAreAnsweredToo() {
        Recording port = new Recording();
        AtomicInteger purged = new AtomicInteger();
        Rfc2217 telnet = new Rfc2217(() -> port, "Outrigger zigbee", purged::incrementAndGet);
        ByteArrayOutputStream replies = new ByteArrayOutputStream();
        byte[] in = { (byte) 255, (byte) 250, 44, 0, 'p', 'y', (byte) 255, (byte) 240, // SIGNATURE: the client's, not answered
                (byte) 255, (byte) 250, 44, 0, (byte) 255, (byte) 240, // SIGNATURE: asked for ours
                (byte) 255, (byte) 250, 44, 5, 5, (byte) 255, (byte) 240, // SET-CONTROL BREAK on
                (byte) 255, (byte) 250, 44, 10, 0x10, (byte) 255, (byte) 240, // SET-LINESTATE-MASK: break
                (byte) 255, (byte) 250, 44, 12, 3, (byte) 255, (byte) 240, // PURGE-DATA both
                (byte) 255, (byte) 250, 44, 8, (byte) 255, (byte) 240 }; // FLOWCONTROL-SUSPEND
        telnet.receive(in, in.length, new ByteArrayOutputStream(), replies);
        assertTrue(telnet.suspended());

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(new byte[] { (byte) 255, (byte) 250, 44, 100 });
        expected.writeBytes("Outrigger zigbee".getBytes(StandardCharsets.US_ASCII));
        expected.writeBytes(new byte[] { (byte) 255, (byte) 240,
                (byte) 255, (byte) 250, 44, 105, 5, (byte) 255, (byte) 240,
                (byte) 255, (byte) 250, 44, 110, 0x10, (byte) 255, (byte) 240,
                (byte) 255, (byte) 250, 44, 112, 3, (byte) 255, (byte) 240 });
        // no answer to FLOWCONTROL-SUSPEND: from the server, 108 would ask the client to stop sending
        assertArrayEquals(expected.toByteArray(), replies.toByteArray());
        assertEquals(5, port.control);
        assertEquals("what is held for the client purged with the receive buffer", 1, purged.get());

        replies.reset();
        telnet.receive(new byte[] { (byte) 255, (byte) 250, 44, 9, (byte) 255, (byte) 240 }, 6, new ByteArrayOutputStream(), replies);
        assertArrayEquals("FLOWCONTROL-RESUME: no answer either", new byte[0], replies.toByteArray());
        assertFalse(telnet.suspended());
    }

    @Test
    public void serialDataArrivingWhileTheClientSuspendedTheFlowIsHeldAndComesInOrderOnResumeUnlessPurged() throws Exception {
        try (PtyPair pty = new PtyPair(folder.getRoot().toPath());
                Bridge bridge = rfc2217Bridge(pty, Bridge.Policy.KICKOLDUSER, 1);
                FileOutputStream toPeer = new FileOutputStream(pty.peer.toRealPath().toFile())) {
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), bridge.port())) {
                client.setSoTimeout(5_000);
                InputStream in = client.getInputStream();
                OutputStream out = client.getOutputStream();
                assertArrayEquals(GREETING, PtyPair.readFully(in, GREETING.length));

                // FLOWCONTROL-SUSPEND, not answered; the answer to a SIGNATURE after it says it was taken
                byte[] suspend = { (byte) 255, (byte) 250, 44, 8, (byte) 255, (byte) 240, (byte) 255, (byte) 250, 44, 0, (byte) 255,
                        (byte) 240 };
                byte[] signature = answer(100, "Outrigger rfc".getBytes(StandardCharsets.US_ASCII));
                out.write(suspend);
                assertArrayEquals(signature, PtyPair.readFully(in, signature.length));

                toPeer.write("held-1 ".getBytes(StandardCharsets.US_ASCII));
                toPeer.write(new byte[] { (byte) 255, '\n' });
                Await.until("the bridge read the device's bytes", Duration.ofSeconds(5), () -> bridge.bytes()[1] == 9);
                // a request after them: its answer is the next thing the client gets, nothing of the data before it
                out.write(new byte[] { (byte) 255, (byte) 250, 44, 0, (byte) 255, (byte) 240 }); // SIGNATURE
                assertArrayEquals(signature, PtyPair.readFully(in, signature.length));

                out.write(new byte[] { (byte) 255, (byte) 250, 44, 9, (byte) 255, (byte) 240 }); // FLOWCONTROL-RESUME
                toPeer.write("after".getBytes(StandardCharsets.US_ASCII));
                ByteArrayOutputStream expected = new ByteArrayOutputStream();
                expected.writeBytes("held-1 ".getBytes(StandardCharsets.US_ASCII));
                expected.writeBytes(new byte[] { (byte) 255, (byte) 255, '\n' }); // IAC doubled
                expected.writeBytes("after".getBytes(StandardCharsets.US_ASCII));
                assertArrayEquals("what was held, then what came after, every byte",
                        expected.toByteArray(), PtyPair.readFully(in, expected.size()));

                // suspended again, and the receive buffer purged: what was held goes with it
                out.write(suspend);
                assertArrayEquals(signature, PtyPair.readFully(in, signature.length));
                toPeer.write("stale".getBytes(StandardCharsets.US_ASCII));
                Await.until("the bridge read the stale bytes", Duration.ofSeconds(5), () -> bridge.bytes()[1] == 19);
                out.write(new byte[] { (byte) 255, (byte) 250, 44, 12, 1, (byte) 255, (byte) 240, // PURGE-DATA receive buffer
                        (byte) 255, (byte) 250, 44, 9, (byte) 255, (byte) 240 });
                byte[] purged = { (byte) 255, (byte) 250, 44, 112, 1, (byte) 255, (byte) 240 };
                assertArrayEquals(purged, PtyPair.readFully(in, purged.length));
                toPeer.write("fresh".getBytes(StandardCharsets.US_ASCII));
                assertArrayEquals("fresh".getBytes(StandardCharsets.US_ASCII), PtyPair.readFully(in, 5));
            }
        }
    }

    @Test
    public void flowControlIsSetAndAnsweredForEachDirection() throws Exception {
        // 0 asks for outbound (or both-ways) flow control, 13 for inbound, as ser2net answers them and gensio's client asks
        int[][] setAndAnswered = { { 0, 1 }, { 13, 14 }, { 16, 16 }, { 0, 1 }, { 13, 16 }, { 2, 2 }, { 0, 2 }, { 13, 15 },
                { 14, 14 }, { 0, 2 }, { 13, 14 }, { 3, 3 }, { 0, 3 }, { 13, 16 }, { 1, 1 }, { 13, 14 } };
        try (PtyPair pty = new PtyPair(folder.getRoot().toPath());
                Bridge bridge = rfc2217Bridge(pty, Bridge.Policy.KICKOLDUSER, 1);
                Socket client = new Socket(InetAddress.getLoopbackAddress(), bridge.port())) {
            client.setSoTimeout(5_000);
            InputStream in = client.getInputStream();
            PtyPair.readFully(in, GREETING.length);
            for (int[] exchange : setAndAnswered) {
                client.getOutputStream().write(new byte[] { (byte) 255, (byte) 250, 44, 5, (byte) exchange[0], (byte) 255, (byte) 240 });
                assertArrayEquals("SET-CONTROL " + exchange[0], answer(105, new byte[] { (byte) exchange[1] }),
                        PtyPair.readFully(in, 7));
            }
        }
    }

    /** bridge:tap on an RFC 2217 bridge: what the client set, in words, in its place among the data. */
    @Test
    public void aTapSaysWhatTheClientSetsInWordsAndNotItsQueries() throws Exception {
        try (PtyPair pty = new PtyPair(folder.getRoot().toPath());
                Bridge bridge = rfc2217Bridge(pty, Bridge.Policy.KICKOLDUSER, 1);
                FileInputStream fromPeer = new FileInputStream(pty.peer.toRealPath().toFile());
                Tapping tapping = new Tapping(bridge);
                Socket client = new Socket(InetAddress.getLoopbackAddress(), bridge.port())) {
            client.getOutputStream().write(new byte[] {
                    (byte) 255, (byte) 250, 44, 1, 0, 0, (byte) 0xe1, 0x00, (byte) 255, (byte) 240, // SET-BAUDRATE 57600
                    (byte) 255, (byte) 250, 44, 1, 0, 0, 0, 0, (byte) 255, (byte) 240, // asks for the baud rate
                    (byte) 255, (byte) 250, 44, 5, 9, (byte) 255, (byte) 240, // SET-CONTROL DTR off
                    (byte) 255, (byte) 250, 44, 5, 7, (byte) 255, (byte) 240, // asks for DTR
                    (byte) 255, (byte) 250, 44, 3, 3, (byte) 255, (byte) 240, // SET-PARITY even
                    'h', 'i' });
            PtyPair.readFully(fromPeer, 2);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            tapping.print(new PrintStream(out, true, StandardCharsets.UTF_8), 4, 5);
            assertEquals(List.of("client sets  baud 57600", "client sets  DTR off", "client sets  parity even",
                    "to device    68 69" + " ".repeat(44) + "hi"),
                    out.toString(StandardCharsets.UTF_8).lines().map(l -> l.substring(14)).toList());
        }
    }

    @Test
    public void aClientThatSuspendsTheFlowForeverIsClosedOnceTheHeldDataReachesTheLimit() throws Exception {
        try (PtyPair pty = new PtyPair(folder.getRoot().toPath());
                Bridge bridge = rfc2217Bridge(pty, Bridge.Policy.KICKOLDUSER, 1);
                FileOutputStream toPeer = new FileOutputStream(pty.peer.toRealPath().toFile())) {
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), bridge.port())) {
                client.setSoTimeout(10_000);
                // FLOWCONTROL-SUSPEND, then a SIGNATURE whose answer says the suspension was taken
                client.getOutputStream().write(new byte[] { (byte) 255, (byte) 250, 44, 8, (byte) 255, (byte) 240,
                        (byte) 255, (byte) 250, 44, 0, (byte) 255, (byte) 240 });
                InputStream in = client.getInputStream();
                PtyPair.readFully(in, GREETING.length + answer(100, "Outrigger rfc".getBytes(StandardCharsets.US_ASCII)).length);
                Thread device = new Thread(() -> {
                    byte[] chunk = new byte[4096];
                    try {
                        for (int i = 0; i < 2 * Bridge.MAX_QUEUED / chunk.length; i++) {
                            toPeer.write(chunk);
                        }
                    } catch (IOException closedAtTheEnd) {
                        // the pty pair closes when the test ends
                    }
                });
                device.setDaemon(true);
                device.start();
                assertEquals("nothing but the reason, then closed", "\r\noutrigger: rfc: closed: not reading (more than 4096 KiB waiting)\r\n",
                        new String(in.readAllBytes(), StandardCharsets.US_ASCII));
            }
        }
    }

    @Test
    public void clientsThatResetTheirConnectionAtOnceLeaveNoThreadOrSocketBehind() throws Exception {
        try (PtyPair pty = new PtyPair(folder.getRoot().toPath());
                Bridge bridge = rfc2217Bridge(pty, Bridge.Policy.SHARE, 4)) {
            long descriptors = openDescriptors();
            for (int i = 0; i < 100; i++) { // a port scanner's way: many of them are reset before the bridge greets them
                Socket knock = new Socket(InetAddress.getLoopbackAddress(), bridge.port());
                knock.setSoLinger(true, 0);
                knock.close();
            }
            Await.until("every client's threads ended", Duration.ofSeconds(10), () -> Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.getName().startsWith("outrigger-bridge-writer") || t.getName().startsWith("outrigger-bridge-client")));
            Await.until("their sockets and selectors closed", Duration.ofSeconds(10), () -> openDescriptors() <= descriptors + 5);
            assertEquals(0, bridge.clientCount());
        }
    }

    private static long openDescriptors() {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An RFC 2217 bridge named rfc on a free loopback port, for the device at the pty pair's end. */
    private static Bridge rfc2217Bridge(PtyPair pty, Bridge.Policy policy, int maxClients) throws IOException {
        Bridge bridge = new Bridge(new Bridge.Options("rfc", "127.0.0.1", 0, Bridge.Mode.RFC2217, SerialSettings.DEFAULT, policy,
                maxClients, 0, AllowList.ANYONE));
        bridge.attach(BridgeTest.device(pty.device.toRealPath().toString()));
        return bridge;
    }

    /** A COM-PORT-OPTION answer as a client receives it. */
    private static byte[] answer(int code, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] { (byte) 255, (byte) 250, 44, (byte) code });
        out.writeBytes(value);
        out.writeBytes(new byte[] { (byte) 255, (byte) 240 });
        return out.toByteArray();
    }

    @Test
    public void pyserialOpensConfiguresAndUsesThePort() throws Exception {
        assumeTrue("python3 with pyserial (Debian's python3-serial)", new ProcessBuilder(PYTHON, "-c", "import serial.rfc2217")
                .start().waitFor() == 0);
        try (PtyPair pty = new PtyPair(folder.getRoot().toPath());
                Bridge bridge = rfc2217Bridge(pty, Bridge.Policy.KICKOLDUSER, 1);
                FileInputStream fromPeer = new FileInputStream(pty.peer.toRealPath().toFile());
                FileOutputStream toPeer = new FileOutputStream(pty.peer.toRealPath().toFile())) {
            Path script = Files.writeString(folder.getRoot().toPath().resolve("client.py"), """
                    import serial, sys
                    s = serial.serial_for_url('rfc2217://127.0.0.1:%s' % sys.argv[1], baudrate=9600, timeout=5)
                    s.baudrate = 57600
                    s.bytesize = serial.SEVENBITS
                    s.bytesize = serial.EIGHTBITS
                    s.parity = serial.PARITY_EVEN
                    s.parity = serial.PARITY_NONE
                    s.stopbits = serial.STOPBITS_TWO
                    s.stopbits = serial.STOPBITS_ONE
                    s.rtscts = True
                    s.rtscts = False
                    s.dtr = False
                    s.rts = False
                    s.send_break(0.05)
                    s.reset_input_buffer()
                    print('LINES cts=%s dsr=%s ri=%s cd=%s' % (s.cts, s.dsr, s.ri, s.cd))
                    s.write(bytes(range(256)))
                    s.flush()
                    back = s.read(256)
                    print('GOT %d %s' % (len(back), back == bytes(range(256))))
                    s.close()
                    """);
            Process python = new ProcessBuilder(PYTHON, script.toString(), Integer.toString(bridge.port()))
                    .redirectErrorStream(true).start();
            try {
                byte[] all = new byte[256];
                for (int i = 0; i < 256; i++) {
                    all[i] = (byte) i;
                }
                assertArrayEquals("what pyserial wrote, 0xFF included, reaches the device", all, PtyPair.readFully(fromPeer, 256));
                toPeer.write(all);
                assertTrue("python3 client finished", python.waitFor(20, TimeUnit.SECONDS));
                String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(out, 0, python.exitValue());
                assertTrue("every byte back, 0xFF included: " + out, out.contains("GOT 256 True"));
                assertTrue("the modem lines, none up on a pty: " + out, out.contains("LINES cts=False dsr=False ri=False cd=False"));
            } finally {
                python.destroyForcibly();
            }
        }
    }
}
