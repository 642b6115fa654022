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

    /** Refused before a radio is even looked for: nothing goes out on a wait that makes no sense. */
    @Test
    public void aNegativeWaitIsRefusedBeforeAnythingIsSent() {
        MeshCommands commands = new MeshCommands();
        assertEquals("--wait takes seconds from 0 on, not -3",
                assertThrows(IllegalArgumentException.class, () -> commands.send("", "0", -3, "hello")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> commands.traceroute("0", -1, "!5a1a0004"));
    }
}
