package dev.outrigger.gps;

import static dev.outrigger.gps.FixTrackerTest.CLASSIC_GGA;
import static dev.outrigger.gps.FixTrackerTest.CLASSIC_RMC;
import static dev.outrigger.gps.FixTrackerTest.nmea;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import com.fazecast.jSerialComm.SerialPort;

import dev.outrigger.bridge.PtyPair;
import dev.outrigger.framework.AppendedRecords;
import dev.outrigger.framework.Await;

/** A receiver on a real pseudo-terminal, fed NMEA as a USB GPS sends it, garbage included. */
public class GpsReceiverTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private final AppendedRecords records = new AppendedRecords();
    private final AtomicLong wallClock = new AtomicLong(1_700_000_000_000L);
    private final AtomicLong clock = new AtomicLong(1_000_000);
    private PtyPair pty;
    private GpsReceiver receiver;

    @Before
    public void start() throws Exception {
        pty = new PtyPair(folder.getRoot().toPath());
        receiver = new GpsReceiver(new GpsReceiver.Options("ublox", pty.device.toString(), 9600, 10_000), records, wallClock::get,
                clock::get);
    }

    @After
    public void stop() throws Exception {
        receiver.close();
        pty.close();
    }

    @Test
    public void fixesAreReportedOnGainEveryIntervalAndOnLossWithGarbageSkipped() throws Exception {
        send("\u0000\u00ff noise before the first sentence\r\n" + nmea("GPTXT,01,01,02,u-blox ag") + "\r\n");
        send(CLASSIC_RMC + "\r\n" + CLASSIC_GGA.replace("*47", "*00") + "\r\n$GPGGA,123519,48\r\n" + CLASSIC_GGA + "\r\n");
        await("the fix gained, reported at once", () -> records.size() >= 1 && records.last().contains("\"mode\":3"));
        String first = records.last();
        assertTrue(first, first.startsWith("{\"class\":\"TPV\",\"device\":\"" + pty.device + "\",\"mode\":3,"
                + "\"time\":\"1994-03-23T12:35:19Z\",\"lat\":48.1173"));
        assertTrue(first, first.contains("\"lon\":11.51666") && first.contains("\"altMSL\":545.4,\"speed\":11.52"));
        assertTrue(first, first.endsWith("\"track\":84.4,\"uSat\":8,\"hdop\":0.9}"));
        assertEquals("gps/ublox", records.all().get(records.size() - 1).topic());
        assertTrue("retained: a new subscriber learns where the gateway is", records.all().get(0).retained());
        assertEquals("health reports see the 3D fix", 3, receiver.mode());

        // within the interval: nothing more; after it: the next fix
        int reported = records.size();
        send(CLASSIC_RMC + "\r\n" + CLASSIC_GGA + "\r\n" + nmea("GPTXT,01,01,02,sync") + "\r\n");
        await("the third sentence read", () -> receiver.status().sentences() >= 6);
        assertEquals(reported, records.size());
        clock.addAndGet(10_000);
        send(CLASSIC_GGA + "\r\n");
        await("the next report after the interval", () -> records.size() == reported + 1);

        // lost: reported at once, without a stale position
        send(nmea("GPRMC,123520,V,,,,,,,230394,,") + "\r\n");
        await("the loss reported", () -> records.last().contains("\"mode\":1"));
        assertTrue(records.last(), !records.last().contains("\"lat\""));

        GpsReceiver.Status status = receiver.status();
        assertEquals("reading", status.state());
        assertEquals(1, receiver.mode());
        assertEquals("a bad checksum and a truncated sentence (noise outside sentences is skipped)", 2, status.rejected());

        // a receiver that falls quiet is not telling where it is, whatever it said last
        send(CLASSIC_RMC + "\r\n" + CLASSIC_GGA + "\r\n");
        await("the fix again", () -> receiver.mode() == 3);
        clock.addAndGet(6_000);
        assertEquals("silent", receiver.state());
        assertEquals(1, receiver.mode());
    }

    @Test
    public void anUnpluggedReceiverIsReadAgainWhenItComesBack() throws Exception {
        send(CLASSIC_RMC + "\r\n" + CLASSIC_GGA + "\r\n");
        await("a fix", () -> records.last().contains("\"mode\":3"));
        int reported = records.size();
        pty.close();
        await("the loss noticed", () -> receiver.status().lastError().isPresent());
        assertEquals("no fix from a receiver that is not there", 1, receiver.mode());
        assertEquals("unplugged is no problem of the runtime", Optional.empty(), receiver.problem());
        pty = new PtyPair(folder.getRoot().toPath());
        await("reading the new port", () -> receiver.status().state().equals("reading") && receiver.status().lastError().isEmpty());
        clock.addAndGet(10_000);
        send(CLASSIC_GGA + "\r\n");
        await("fixes again", () -> records.size() == reported + 1);
    }

    /** Plugged in but held by another program (gpsd, say): the node's to fix, said as such until it lets go. */
    @Test
    public void aPortAnotherProgramHoldsIsAProblemUntilItLetsGo() throws Exception {
        try (PtyPair held = new PtyPair(folder.newFolder("held").toPath())) {
            SerialPort gpsd = SerialPort.getCommPort(held.device.toRealPath().toString());
            assertTrue(gpsd.openPort());
            GpsReceiver blocked = new GpsReceiver(new GpsReceiver.Options("held", held.device.toString(), 9600, 10_000), records,
                    wallClock::get, clock::get);
            try {
                await("told why", () -> blocked.problem().isPresent());
                assertTrue(blocked.problem().get(), blocked.problem().get().startsWith("GPS held: cannot open " + held.device
                        + ": busy: another program has it open"));
                gpsd.closePort();
                await("read once the other program let go", () -> blocked.status().state().equals("reading")
                        && blocked.problem().isEmpty());
            } finally {
                gpsd.closePort();
                blocked.close();
            }
        }
    }

    /** A Pi without RTC sets its clock from NTP or the GPS itself, forward or back: fixes keep their interval. */
    @Test
    public void aWallClockSetBackKeepsTheFixesComing() throws Exception {
        send(CLASSIC_RMC + "\r\n" + CLASSIC_GGA + "\r\n");
        await("a fix", () -> records.last().contains("\"mode\":3"));
        int reported = records.size();
        wallClock.addAndGet(-TimeUnit.DAYS.toMillis(1));
        clock.addAndGet(10_000);
        send(CLASSIC_GGA + "\r\n");
        await("the next fix after the interval", () -> records.size() == reported + 1);
        assertEquals("stamped by the clock as it now is", wallClock.get(), records.all().get(reported).created());
        assertEquals("reading", receiver.state());
    }

    private void send(String text) throws IOException {
        try (OutputStream out = Files.newOutputStream(pty.peer)) {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    private static void await(String what, BooleanSupplier condition) {
        Await.until(what, Duration.ofSeconds(10), condition);
    }
}
