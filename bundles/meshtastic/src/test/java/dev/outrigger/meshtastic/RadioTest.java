package dev.outrigger.meshtastic;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import org.junit.Test;

import dev.outrigger.framework.AppendedRecords;
import dev.outrigger.framework.Await;
import dev.outrigger.meshtastic.proto.Config;
import dev.outrigger.meshtastic.proto.FromRadio;
import dev.outrigger.meshtastic.proto.LoRaConfig;

public class RadioTest {

    private static final RadioSession.Timing QUICK = new RadioSession.Timing(5_000, 60_000, 10, 100);
    private static final int EU_868 = 3;

    /**
     * A radio as it comes from the flasher has no region, and its firmware transmits nothing: the
     * runtime says so and refuses to send (rather than report text sent that never left), until
     * someone sets the region.
     */
    @Test
    public void aRadioWhoseRegionIsUnsetIsAProblemAndSendsNothingUntilItIsSet() throws Exception {
        try (HandshakingRadio device = new HandshakingRadio(InetAddress.getLoopbackAddress(), lora(0, true))) {
            Radio radio = connect(device);
            try {
                Await.until("the problem told", Duration.ofSeconds(10), () -> radio.problem().isPresent());
                assertEquals(Optional.of("Meshtastic 127.0.0.1:" + device.port() + ": its LoRa region is unset, and the firmware"
                        + " transmits nothing until it is set (in the Meshtastic app, or: meshtastic --set lora.region EU_868, US, ...)"),
                        radio.problem());
                IllegalStateException refused = assertThrows(IllegalStateException.class,
                        () -> radio.send("hello", OptionalLong.empty(), 0));
                assertTrue(refused.getMessage(), refused.getMessage().startsWith("the radio transmits nothing: its LoRa region is unset"));
                assertTrue(String.join("\n", radio.describe()), radio.describe().stream()
                        .anyMatch(line -> line.startsWith("lora        region UNSET, preset LONG_FAST; transmits nothing: its LoRa region")));

                device.configuration = lora(EU_868, true); // set in the app; the radio reboots
                device.dropClients();
                Await.until("no problem once the region is set", Duration.ofSeconds(10),
                        () -> radio.state().equals("live") && radio.problem().isEmpty());
                radio.send("hello", OptionalLong.empty(), 0);
                Await.until("the text handed to the radio", Duration.ofSeconds(10),
                        () -> device.received.stream().anyMatch(sent -> sent.hasPacket()));
            } finally {
                radio.close();
            }
        }
    }

    /** A receive-only radio (transmitter off on purpose) is no problem, but sending through it is refused with why. */
    @Test
    public void aRadioWhoseTransmitterIsOffIsNoProblemButRefusesToSend() throws Exception {
        try (HandshakingRadio device = new HandshakingRadio(InetAddress.getLoopbackAddress(), lora(EU_868, false))) {
            Radio radio = connect(device);
            try {
                Await.until("the configuration read", Duration.ofSeconds(10), () -> radio.state().equals("live"));
                assertEquals(Optional.empty(), radio.problem());
                IllegalStateException refused = assertThrows(IllegalStateException.class,
                        () -> radio.traceroute(0x5a1a0002L, 0));
                assertEquals("the radio transmits nothing: its LoRa transmitter is off (lora.tx_enabled false)", refused.getMessage());
            } finally {
                radio.close();
            }
        }
    }

    private static Radio connect(HandshakingRadio device) {
        return new Radio(new AppendedRecords(), new Radio.Options("127.0.0.1:" + device.port(), 115200, QUICK, 5, null));
    }

    private static List<FromRadio> lora(int region, boolean transmitting) {
        return List.of(FromRadio.newBuilder().setConfig(Config.newBuilder().setLora(LoRaConfig.newBuilder().setUsePreset(true)
                .setRegion(region).setTxEnabled(transmitting))).build());
    }
}
