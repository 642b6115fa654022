package dev.outrigger.itest;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Plays a GPS receiver at the far end of a pseudo-terminal: the same 3D fix twice a second, whoever
 * listens, as a real receiver does. On a thread of its own, so that a test never blocks on a pty
 * nobody reads; closing the pty ends it too.
 */
final class TalkingGps implements AutoCloseable {

    /** The NMEA 0183 examples receiver manuals quote, checksums included: 48.1173 N, 11.516667 E, 545.4 m. */
    static final String FIX = "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A\r\n"
            + "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n";

    private final Thread thread;
    private volatile boolean talking = true;

    TalkingGps(Path peer) {
        thread = new Thread(() -> {
            while (talking) {
                try (OutputStream out = Files.newOutputStream(peer)) {
                    out.write(FIX.getBytes(StandardCharsets.US_ASCII));
                    Thread.sleep(500); // a receiver's cadence, not a wait for anything
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        }, "talking-gps");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        talking = false;
        thread.interrupt();
    }
}
