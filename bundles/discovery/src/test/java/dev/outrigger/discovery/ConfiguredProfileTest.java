package dev.outrigger.discovery;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.Map;

import org.junit.Test;

import dev.outrigger.device.Role;
import dev.outrigger.framework.Configs;

public class ConfiguredProfileTest {

    @Test
    public void aProfileThatCannotMatchAsMeantIsLeftOut() {
        assertTrue(profile(Map.of("product", "[broken", "role", "bridge")).profile().isEmpty());
        assertTrue(profile(Map.of("vendorId", "zzzz", "role", "gps")).profile().isEmpty());
        assertTrue(profile(Map.of("productId", "ea600", "role", "gps")).profile().isEmpty());
    }

    @Test
    public void aGoodOneIsUsedUnderItsConfigurationsName() {
        Profile p = profile(Map.of("vendorId", "10C4", "product", "sonoff", "role", "bridge", "port", 6638)).profile().orElseThrow();
        assertEquals("shed", p.name());
        assertEquals(Role.BRIDGE, p.role());
        assertEquals(6638, p.port());
    }

    private static ConfiguredProfile profile(Map<String, Object> values) {
        return new ConfiguredProfile(Configs.of(ConfiguredProfile.Config.class, values),
                Map.of("service.pid", "dev.outrigger.discovery.profile~shed"));
    }
}
