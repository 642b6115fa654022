package dev.outrigger.gps;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Whatever a receiver (or a broken cable) sends as a line: parsing and fix tracking never throw,
 * never hang. Jazzer reports a crash or a timeout as a failure.
 */
class NmeaFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void anyLineFromAReceiver(String line) {
        if (line == null) {
            return; // Jazzer's, not a receiver's: the reader only ever hands over lines it read
        }
        FixTracker tracker = new FixTracker();
        Nmea.parse(line).ifPresent(tracker::apply);
        // the same fields behind a valid checksum, so that the sentence readers are reached too
        Nmea.parse(FixTrackerTest.nmea(line.replace("*", ""))).ifPresent(tracker::apply);
        tracker.fix();
    }
}
