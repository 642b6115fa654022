package dev.outrigger.config.admin;

import static org.junit.Assert.assertEquals;

import java.util.List;

import org.junit.Test;

import dev.outrigger.config.Settings.Schema;

public class ConfigCommandsTest {

    /** The longest PID of the quick start ran into the next column before. */
    @Test
    public void theListKeepsItsColumnsWhateverThePidsLength() {
        String table = ConfigCommands.table(List.of(
                new Schema("dev.outrigger.meshtastic.homeassistant", false, "Meshtastic nodes in Home Assistant", "", List.of()),
                new Schema("dev.outrigger.bridge", true, "Outrigger serial bridge", "", List.of())));
        assertEquals(String.join(System.lineSeparator(),
                "PID                                     KIND     NAME",
                "dev.outrigger.meshtastic.homeassistant  single   Meshtastic nodes in Home Assistant",
                "dev.outrigger.bridge                    factory  Outrigger serial bridge", ""), table);
    }
}
