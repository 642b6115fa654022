package dev.outrigger.gps;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

import org.junit.Test;

import dev.outrigger.gps.Nmea.Sentence;

public class FixTrackerTest {

    /** The NMEA 0183 examples every receiver manual quotes, checksums included. */
    static final String CLASSIC_RMC = "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A";
    static final String CLASSIC_GGA = "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47";

    private final FixTracker tracker = new FixTracker();

    /** A sentence with its checksum computed. */
    static String nmea(String body) {
        int sum = 0;
        for (char c : body.toCharArray()) {
            sum ^= c;
        }
        return String.format(Locale.ROOT, "$%s*%02X", body, sum);
    }

    private Fix feed(String... lines) {
        for (String line : lines) {
            tracker.apply(Nmea.parse(line).orElseThrow(() -> new AssertionError("refused: " + line)));
        }
        return tracker.fix();
    }

    @Test
    public void theClassicSentencesGiveA3dFix() {
        Fix fix = feed(CLASSIC_RMC, CLASSIC_GGA);
        assertEquals(3, fix.mode());
        assertEquals(48.1173, fix.lat().getAsDouble(), 1e-9);
        assertEquals(11.0 + 31.0 / 60, fix.lon().getAsDouble(), 1e-9);
        assertEquals(545.4, fix.altMsl().getAsDouble(), 1e-9);
        assertEquals(22.4 * 1852 / 3600, fix.speed().getAsDouble(), 1e-9);
        assertEquals(84.4, fix.track().getAsDouble(), 1e-9);
        assertEquals(8, fix.satellites().getAsInt());
        assertEquals(0.9, fix.hdop().getAsDouble(), 1e-9);
        assertEquals(Optional.of(Instant.parse("1994-03-23T12:35:19Z")), fix.time());
    }

    @Test
    public void checksumsAreChecked() {
        assertTrue(Nmea.parse(CLASSIC_GGA).isPresent());
        assertFalse("one digit changed", Nmea.parse(CLASSIC_GGA.replace("545.4", "545.5")).isPresent());
        assertFalse("no checksum", Nmea.parse(CLASSIC_GGA.substring(0, CLASSIC_GGA.indexOf('*'))).isPresent());
        assertFalse("not hex", Nmea.parse(CLASSIC_GGA.replace("*47", "*4G")).isPresent());
        assertFalse("proprietary", Nmea.parse(nmea("PUBX,00,123519")).isPresent());
        assertFalse("too long", Nmea.parse(nmea("GPTXT," + "x".repeat(200))).isPresent());
        assertTrue("lower-case checksum digits", Nmea.parse(CLASSIC_RMC.replace("*6A", "*6a")).isPresent());
    }

    @Test
    public void aGnssReceiverSouthAndWestIn2dUntilItSaysOtherwise() {
        Fix fix = feed(nmea("GNRMC,081836.50,A,3751.65,S,14507.36,W,000.0,360.0,130998,011.3,E,A"));
        assertEquals("no altitude, no GSA: 2D", 2, fix.mode());
        assertEquals(-(37 + 51.65 / 60), fix.lat().getAsDouble(), 1e-9);
        assertEquals(-(145 + 7.36 / 60), fix.lon().getAsDouble(), 1e-9);
        assertEquals(Optional.of(Instant.parse("1998-09-13T08:18:36.500Z")), fix.time());
        assertEquals("due north, as gpsd says it", 0.0, fix.track().getAsDouble(), 0);

        fix = feed(nmea("GNGSA,A,3,04,05,09,12,24,,,,,,,,2.5,1.3,2.1"));
        assertEquals("GSA says 3D; the altitude is still unknown", 3, fix.mode());
        assertTrue(fix.altMsl().isEmpty());
    }

    @Test
    public void aLostFixKeepsNoStalePosition() {
        feed(CLASSIC_RMC, CLASSIC_GGA);
        Fix lost = feed(nmea("GPRMC,123520,V,,,,,,,230394,,"), nmea("GPGGA,123520,,,,,0,00,99.9,,M,,M,,"));
        assertEquals(1, lost.mode());
        assertFalse(lost.hasPosition());
        assertTrue(lost.lat().isEmpty() && lost.altMsl().isEmpty() && lost.speed().isEmpty());
        assertEquals(0, lost.satellites().getAsInt());
        assertEquals(Optional.of(Instant.parse("1994-03-23T12:35:20Z")), lost.time());
    }

    @Test
    public void nonsenseInValidSentencesIsNoFix() {
        Fix fix = feed(nmea("GPRMC,999999,A,9959.000,N,18100.000,E,abc,-5,321399,,"), nmea("GPGGA,,4807.038,X,01131.000,E,1,08,0.9,,M,,M,,"));
        assertEquals(1, fix.mode());
        assertTrue(fix.time().isEmpty());
        assertFalse(tracker.apply(new Sentence("GSV", new String[] { "3", "1", "11" })));
    }
}
