package dev.outrigger.gps;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.outrigger.framework.AppendedRecords;
import dev.outrigger.framework.net.HostPort;

/**
 * Whatever gpsd (or whatever listens at its port) sends after its greeting: reading it never
 * throws but to say it is not gpsd's, and the receivers it makes are found once and gone once.
 * Jazzer reports a crash, a timeout or an out-of-memory as a failure.
 */
class GpsdFuzzTest {

    private static final byte[] GREETING = "{\"class\":\"VERSION\",\"release\":\"3.22\",\"rev\":\"3.22\",\"proto_major\":3,\"proto_minor\":14}\n"
            .getBytes(StandardCharsets.US_ASCII);

    @FuzzTest(maxDuration = "5s")
    void anyReportsAfterTheGreeting(byte[] bytes) {
        Set<GpsdReceiver> found = Collections.newSetFromMap(new IdentityHashMap<>());
        Gpsd gpsd = new Gpsd(new HostPort("127.0.0.1", Gpsd.PORT), 10_000, new AppendedRecords(), new Gpsd.Receivers() {
            @Override
            public void found(GpsdReceiver receiver) {
                if (!found.add(receiver)) {
                    throw new IllegalStateException(receiver.device() + " found twice");
                }
            }

            @Override
            public void gone(GpsdReceiver receiver) {
                if (!found.remove(receiver)) {
                    throw new IllegalStateException(receiver.device() + " gone, never found");
                }
            }

            @Override
            public void listed() {
                // what gpsd has: the receivers found
            }
        }, () -> 0, () -> 0);
        try {
            gpsd.accept(GREETING, GREETING.length);
            gpsd.accept(bytes, bytes.length);
        } catch (IOException notGpsd) {
            // a line longer than any report: said, and connected anew
        }
        found.forEach(r -> r.status().fix().hasPosition());
    }
}
