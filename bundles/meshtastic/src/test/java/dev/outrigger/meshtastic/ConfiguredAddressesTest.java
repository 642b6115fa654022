package dev.outrigger.meshtastic;

import static org.junit.Assert.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.Test;

public class ConfiguredAddressesTest {

    private final ConfiguredAddresses addresses = new ConfiguredAddresses();
    private final List<String> started = new ArrayList<>();

    private Optional<String> take(String owner, String address) {
        return addresses.take(owner, address, () -> started.add(owner));
    }

    @Test
    public void aSecondConfigurationOfOneRadioWaitsForTheFirst() {
        assertEquals(Optional.empty(), take("garage", "192.168.1.50"));
        assertEquals(Optional.of("192.168.1.50"), take("shed", "tcp://192.168.1.50:4403"));
        assertEquals(Optional.empty(), take("car", "192.168.1.51"));
        assertEquals(List.of("garage", "car"), started);

        addresses.letGo("garage");
        assertEquals(List.of("garage", "car", "shed"), started);
        assertEquals(Optional.of("tcp://192.168.1.50:4403"), take("garage", "192.168.1.50:4403"));
    }

    @Test
    public void oneThatGoesWhileWaitingIsNeverStarted() {
        take("garage", "192.168.1.50");
        take("shed", "192.168.1.50");
        addresses.letGo("shed");
        addresses.letGo("garage");
        assertEquals(List.of("garage"), started);
        assertEquals(Optional.empty(), take("car", "192.168.1.50"));
    }
}
