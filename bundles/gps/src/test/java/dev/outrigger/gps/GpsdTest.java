package dev.outrigger.gps;

import static dev.outrigger.gps.FixTrackerTest.nmea;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.outrigger.bridge.PtyPair;
import dev.outrigger.framework.AppendedRecords;
import dev.outrigger.framework.Await;
import dev.outrigger.framework.Ports;
import dev.outrigger.framework.net.HostPort;

/**
 * Receivers read from a real gpsd (Debian's), which reads a receiver played on a pseudo-terminal:
 * a 3D fix once a second with the satellites in view, as a u-blox receiver sends it.
 */
public class GpsdTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private final AppendedRecords records = new AppendedRecords();
    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final List<GpsdReceiver> found = new CopyOnWriteArrayList<>();
    private final AtomicInteger listed = new AtomicInteger();
    private final ScheduledExecutorService receiver = Executors.newSingleThreadScheduledExecutor();
    private PtyPair pty;
    private OutputStream toGpsd;
    private int port;
    private Process gpsd;
    private Gpsd feed;
    private int second;

    @Before
    public void start() throws Exception {
        pty = new PtyPair(folder.getRoot().toPath());
        toGpsd = Files.newOutputStream(pty.peer);
        port = Ports.free();
        // a receiver's cadence, whoever listens; not a wait for anything
        receiver.scheduleAtFixedRate(this::talk, 0, 250, TimeUnit.MILLISECONDS);
    }

    @After
    public void stop() throws Exception {
        if (feed != null) {
            feed.close();
        }
        stopGpsd();
        receiver.shutdownNow();
        receiver.awaitTermination(5, TimeUnit.SECONDS);
        toGpsd.close();
        pty.close();
    }

    @Test
    public void aReceiverGpsdServesIsRecordedWithItsSatellitesAndHdop() throws Exception {
        startGpsd();
        feed = read();
        await("gpsd's receiver found, with a 3D fix", () -> found.size() == 1 && found.get(0).mode() == 3);
        GpsdReceiver r = found.get(0);
        assertEquals("gpsd said which devices it has", 1, listed.get());
        assertEquals("gpsd-ttyDEVICE", r.device());
        assertEquals(pty.device + " at gpsd 127.0.0.1:" + port, r.path());
        assertEquals("gps/gpsd-ttyDEVICE", r.topic());
        await("the 3D fix recorded", () -> records.size() > 0 && records.last().contains("\"mode\":3"));
        String fix = records.last();
        assertTrue(fix, fix.startsWith("{\"class\":\"TPV\",\"device\":\"" + pty.device + "\",\"mode\":3,\"time\":\"2026-12-05T12:"));
        assertTrue(fix, fix.contains("\"lat\":48.1173,\"lon\":11.516666667,\"altMSL\":545.4,\"speed\":11.524,\"track\":84.4"));
        assertTrue("retained, on the receiver's topic", records.all().get(records.size() - 1).retained()
                && records.all().get(records.size() - 1).topic().equals("gps/gpsd-ttyDEVICE"));

        // gpsd reports the sky after the fix of the same cycle: the fixes that follow have it
        await("gpsd's sky report read", () -> r.status().fix().satellites().isPresent() && r.status().fix().hdop().isPresent());
        int reported = records.size();
        clock.addAndGet(10_000);
        await("the next report after the interval", () -> records.size() > reported);
        assertTrue(records.last(), records.last().endsWith(",\"uSat\":5,\"hdop\":1.3}") || records.last().endsWith(",\"uSat\":5,\"hdop\":0.9}"));
        assertTrue(feed.summary(), feed.summary().startsWith("gpsd 127.0.0.1:" + port + ": connected to gpsd 3."));
        assertEquals(Optional.empty(), feed.problem());

        // gpsd lets the device go, as when udev's hotplug script removes it: the receiver is gone
        try (SocketChannel control = SocketChannel.open(UnixDomainSocketAddress.of(folder.getRoot().toPath().resolve("gpsd.sock")))) {
            control.write(ByteBuffer.wrap(("-" + pty.device + "\n").getBytes(StandardCharsets.US_ASCII)));
        }
        await("the receiver gone with gpsd's device", found::isEmpty);
    }

    @Test
    public void aGpsdNotThereYetOrRestartedIsReadOnceItIsBack() throws Exception {
        feed = read();
        await("the refusal said", () -> feed.problem().isPresent());
        assertTrue(feed.problem().get(), feed.problem().get().startsWith("GPS from gpsd at 127.0.0.1:" + port + ": cannot connect: "));
        startGpsd();
        await("read once gpsd is there", () -> found.size() == 1 && found.get(0).mode() == 3);
        assertEquals(Optional.empty(), feed.problem());

        stopGpsd();
        GpsdReceiver r = found.get(0);
        await("gpsd's end noticed", () -> r.state().equals("backoff"));
        assertEquals("no fix while gpsd is away", 1, r.mode());
        assertTrue(feed.summary(), feed.summary().endsWith("; last error: gpsd closed the connection (stopped, or restarting?)"));

        startGpsd();
        await("read again once gpsd is back", () -> r.state().equals("reading") && r.mode() == 3);
        assertEquals("the same receiver, not a second one", List.of(r), found);
    }

    @Test
    public void somethingElseAtThePortIsSaidAsSuch() throws Exception {
        try (ServerSocket ssh = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket s = ssh.accept()) {
                    s.getOutputStream().write("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n".getBytes(StandardCharsets.US_ASCII));
                    s.getInputStream().read();
                } catch (IOException closed) {
                    // the test is over
                }
            }, "ssh-server");
            server.setDaemon(true);
            server.start();
            feed = read();
            await("said", () -> feed.problem().isPresent());
            assertEquals("GPS from gpsd at 127.0.0.1:" + port + ": the answer is not gpsd's (\"SSH-2.0-OpenSSH_9.2p1 Debian-2\"): "
                    + "is that gpsd's port?", feed.problem().get());
        }
    }

    private Gpsd read() {
        return new Gpsd(new HostPort("127.0.0.1", port), 10_000, records, new Gpsd.Receivers() {
            @Override
            public void found(GpsdReceiver receiver) {
                found.add(receiver);
            }

            @Override
            public void gone(GpsdReceiver receiver) {
                found.remove(receiver);
            }

            @Override
            public void listed() {
                listed.incrementAndGet();
            }
        }, System::currentTimeMillis, clock::get).start();
    }

    /**
     * gpsd reading the pty, read-only (-b: it leaves the line settings alone), on the test's port,
     * with its control socket (udev's hotplug script adds and removes devices through it).
     */
    private void startGpsd() throws IOException {
        gpsd = new ProcessBuilder("/usr/sbin/gpsd", "-N", "-n", "-b", "-S", Integer.toString(port), "-F",
                folder.getRoot().toPath().resolve("gpsd.sock").toString(), pty.device.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private void stopGpsd() throws InterruptedException {
        if (gpsd != null) {
            gpsd.destroy();
            gpsd.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** One reporting cycle: RMC, GGA, GSA (5 satellites used) and GSV (8 in view), a second later each time. */
    private void talk() {
        String time = String.format(Locale.ROOT, "12%02d%02d.00", second / 60 % 60, second % 60);
        second++;
        String cycle = String.join("\r\n", nmea("GPRMC," + time + ",A,4807.038,N,01131.000,E,022.4,084.4,051226,003.1,W"),
                nmea("GPGGA," + time + ",4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,"),
                nmea("GPGSA,A,3,04,05,,09,12,,,24,,,,,2.5,1.3,2.1"),
                nmea("GPGSV,2,1,08,04,40,083,46,05,17,308,41,09,07,344,39,12,77,168,47"),
                nmea("GPGSV,2,2,08,24,12,038,40,25,10,100,,26,05,200,,27,03,300,")) + "\r\n";
        try {
            toGpsd.write(cycle.getBytes(StandardCharsets.US_ASCII));
            toGpsd.flush();
        } catch (IOException gone) {
            // the pty is closed at the end of the test
        }
    }

    private static void await(String what, BooleanSupplier condition) {
        Await.until(what, Duration.ofSeconds(15), condition);
    }
}
