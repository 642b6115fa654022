package dev.outrigger.meshtastic;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.time.Duration;

import org.junit.Test;

public class MeshCommandsTest {

    @Test
    public void sinceTakesDurationsAsPeopleWriteThem() {
        assertEquals(Duration.ofSeconds(90), MeshCommands.duration("90s"));
        assertEquals(Duration.ofMinutes(30), MeshCommands.duration("30m"));
        assertEquals(Duration.ofHours(2), MeshCommands.duration(" 2h"));
        assertEquals(Duration.ofDays(1), MeshCommands.duration("1d"));
        assertEquals("1h30 is no duration: a number and s, m, h or d, e.g. 30m",
                assertThrows(IllegalArgumentException.class, () -> MeshCommands.duration("1h30")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> MeshCommands.duration("-5m"));
    }
}
