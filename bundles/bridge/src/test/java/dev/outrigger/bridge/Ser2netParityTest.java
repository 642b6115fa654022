package dev.outrigger.bridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assume.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.outrigger.device.SerialSettings;
import dev.outrigger.framework.Await;
import dev.outrigger.framework.Ports;

/**
 * The bridge negotiates Telnet options and answers a client's RFC 2217 line settings as ser2net
 * (Debian's) does, each on a pty of its own: a client that works with ser2net is told the same by
 * the gateway. (Where a pty cannot do
 * what is asked, DTR, RTS and BREAK, ser2net answers nothing or what is not so; the bridge's answers
 * to those are Rfc2217Test's.)
 */
public class Ser2netParityTest {

    private static final String SER2NET = "/usr/sbin/ser2net";
    private static final int IAC = 255, SB = 250, SE = 240, WILL = 251, DO = 253, COM_PORT_OPTION = 44;

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void lineSettingsFlowControlAndPurgesAreAnsweredAsSer2netAnswersThem() throws Exception {
        assumeTrue("ser2net (Debian's ser2net)", Files.isExecutable(Path.of(SER2NET)));
        try (PtyPair theirs = new PtyPair(Files.createDirectories(folder.getRoot().toPath().resolve("ser2net")));
                PtyPair ours = new PtyPair(Files.createDirectories(folder.getRoot().toPath().resolve("bridge")));
                Bridge bridge = new Bridge(new Bridge.Options("rfc", "127.0.0.1", 0, Bridge.Mode.RFC2217, SerialSettings.DEFAULT,
                        Bridge.Policy.KICKOLDUSER, 1, 0, AllowList.ANYONE))) {
            bridge.attach(BridgeTest.device(ours.device.toRealPath().toString()));
            int port = Ports.free();
            // the same line settings as the bridge's (SerialSettings.DEFAULT)
            Path config = Files.writeString(folder.getRoot().toPath().resolve("ser2net.yaml"), "connection: &rfc\n"
                    + "  accepter: telnet(rfc2217),tcp,127.0.0.1," + port + "\n"
                    + "  connector: serialdev," + theirs.device.toRealPath() + ",115200n81,local\n"
                    + "  options:\n    kickolduser: true\n"); // the probe for its port may still be connected
            Process ser2net = new ProcessBuilder(SER2NET, "-n", "-c", config.toString(), "-P", folder.getRoot().toPath()
                    .resolve("ser2net.pid").toString()).redirectErrorStream(true)
                    .redirectOutput(folder.getRoot().toPath().resolve("ser2net.log").toFile()).start();
            try {
                Await.until("ser2net listening", Duration.ofSeconds(10), () -> listening(port));
                assertEquals(String.join("\n", answers(port)), String.join("\n", answers(bridge.port())));
            } finally {
                ser2net.destroy();
                if (!ser2net.waitFor(5, TimeUnit.SECONDS)) {
                    ser2net.destroyForcibly();
                }
            }
        }
    }

    /**
     * The answer to each request that changes or asks for a line setting, flow control or a purge,
     * one request at a time (ser2net answers a query with the setting in effect when it gets to it,
     * so requests sent ahead would change its answers), as {@code request -> answer}.
     */
    private static List<String> answers(int port) throws IOException {
        List<byte[]> requests = new ArrayList<>();
        for (int baud : new int[] { 0, 57600, 0 }) {
            requests.add(new byte[] { 1, (byte) (baud >>> 24), (byte) (baud >>> 16), (byte) (baud >>> 8), (byte) baud });
        }
        int[][] values = { { 2, 0, 7, 0, 8 }, // SET-DATASIZE: a query, 7, 8
                { 3, 0, 3, 0, 2, 4, 5, 1 }, // SET-PARITY: even, odd, mark, space, none
                { 4, 0, 2, 0, 1 }, // SET-STOPSIZE: two, one
                { 5, 0, 3, 0, 2, 0, 1, 0, 13 }, // SET-CONTROL: hardware, XON/XOFF and no flow control; inbound asked
                { 12, 1, 2, 3 } }; // PURGE-DATA: receive, transmit, both
        for (int[] command : values) {
            for (int i = 1; i < command.length; i++) {
                requests.add(new byte[] { (byte) command[0], (byte) command[i] });
            }
        }
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            // as pyserial opens: COM-PORT-OPTION, binary both ways, no go-ahead
            out.write(new byte[] { (byte) IAC, (byte) WILL, COM_PORT_OPTION, (byte) IAC, (byte) DO, 0, (byte) IAC, (byte) WILL, 0,
                    (byte) IAC, (byte) DO, 3 });
            List<String> answers = new ArrayList<>();
            Set<String> negotiated = new TreeSet<>();
            for (byte[] request : requests) {
                out.write(subnegotiation(request));
                answers.add(HexFormat.of().formatHex(request) + " -> "
                        + HexFormat.of().formatHex(answer(in, request[0] + 100, negotiated)));
            }
            answers.add(0, "options the server uses or has the client use: " + negotiated);
            return answers;
        }
    }

    private static byte[] subnegotiation(byte[] request) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] { (byte) IAC, (byte) SB, COM_PORT_OPTION });
        for (byte b : request) {
            out.write(b);
            if ((b & 0xff) == IAC) {
                out.write(IAC);
            }
        }
        out.writeBytes(new byte[] { (byte) IAC, (byte) SE });
        return out.toByteArray();
    }

    /**
     * The value of the next COM-PORT-OPTION answer with that code; notifications before it are
     * skipped, the options the server says it WILL and DO use are added to {@code negotiated}.
     */
    private static byte[] answer(InputStream in, int code, Set<String> negotiated) throws IOException {
        ByteArrayOutputStream sub = null;
        boolean iac = false;
        while (true) {
            int b;
            try {
                b = in.read();
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no answer " + code + " within 10 s", e);
            }
            if (b < 0) {
                throw new AssertionError("closed before answer " + code);
            }
            if (iac) {
                iac = false;
                if (b == SB) {
                    sub = new ByteArrayOutputStream();
                } else if (b == SE && sub != null) {
                    byte[] s = sub.toByteArray();
                    sub = null;
                    if (s.length >= 2 && (s[0] & 0xff) == COM_PORT_OPTION && (s[1] & 0xff) == code) {
                        return Arrays.copyOfRange(s, 2, s.length);
                    }
                } else if (b == IAC && sub != null) {
                    sub.write(IAC);
                } else if (b == WILL || b == DO) {
                    negotiated.add((b == WILL ? "WILL " : "DO ") + in.read());
                } else if (b > WILL) {
                    in.read(); // an option refused
                }
            } else if (b == IAC) {
                iac = true;
            } else if (sub != null) {
                sub.write(b);
            }
        }
    }

    private static boolean listening(int port) {
        try (Socket probe = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }
}
