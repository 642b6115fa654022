package dev.outrigger.gps;

import static org.junit.Assert.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.Test;

import dev.outrigger.config.SettingsException.Problem;

public class GpsSettingsCheckTest {

    private final GpsSettingsCheck check = new GpsSettingsCheck();

    @Test
    public void aGpsdAddressIsHostAndPortOrNothing() {
        for (String fine : new String[] { "", "localhost", "127.0.0.1:2947", "[::1]", "tcp://pi.local:2948" }) {
            assertEquals(fine, List.of(), check.problems(Map.of("gpsd", fine)));
        }
        assertEquals(List.of(new Problem("gpsd", "local host is not host[:port] of a gpsd (e.g. localhost or 192.168.1.5:2947)")),
                check.problems(Map.of("gpsd", "local host")));
        assertEquals(1, check.problems(Map.of("gpsd", "localhost:gpsd")).size());
        assertEquals("what else is set is another check's", List.of(), check.problems(Map.of("publishSeconds", 10)));
    }
}
