package dev.outrigger.config.admin;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.Hashtable;
import java.util.Map;

import org.junit.Test;

public class ConfigurationGuardTest {

    @Test
    public void aByteOrderMarkComesOffTheFirstKey() {
        Hashtable<String, Object> properties = new Hashtable<>(Map.of("\ufeffdevice", "ttyUSB0", "port", "6638"));
        assertTrue(ConfigurationGuard.dropByteOrderMark(properties));
        assertEquals(Map.of("device", "ttyUSB0", "port", "6638"), properties);
        Hashtable<String, Object> clean = new Hashtable<>(Map.of("device", "ttyUSB0"));
        assertFalse(ConfigurationGuard.dropByteOrderMark(clean));
        assertEquals(Map.of("device", "ttyUSB0"), clean);
    }
}
