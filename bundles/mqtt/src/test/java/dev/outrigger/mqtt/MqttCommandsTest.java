package dev.outrigger.mqtt;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.nio.charset.StandardCharsets;

import org.junit.Test;

public class MqttCommandsTest {

    @Test
    public void textIsShownAsItIsLineBreaksIncluded() {
        String json = "{\r\n\t\"from\": \"!a1b2c3d4\", \"text\": \"hi \ud83d\udce1\"\n}";
        assertEquals(json, MqttCommands.shown(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    public void aProtobufIsShownAsItsLengthAndFirstBytes() {
        byte[] envelope = new byte[40];
        envelope[0] = 0x0a;
        envelope[1] = (byte) 0xff;
        assertEquals("(binary, 40 bytes) 0a ff" + " 00".repeat(30) + " ...", MqttCommands.shown(envelope));
    }

    @Test
    public void textThatWouldDriveTheTerminalIsShownAsBytes() {
        assertEquals("(binary, 5 bytes) 1b 5b 32 4a 78", MqttCommands.shown("\u001b[2Jx".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    public void tailRefusesCountsAndTimesBelowOne() {
        MqttCommands commands = new MqttCommands();
        assertEquals("-n and -t take a number from 1 on, not -1",
                assertThrows(IllegalArgumentException.class, () -> commands.tail(null, -1, 30, "mesh/#")).getMessage());
        assertEquals("-n and -t take a number from 1 on, not 0",
                assertThrows(IllegalArgumentException.class, () -> commands.tail(null, 10, 0, "mesh/#")).getMessage());
    }
}
