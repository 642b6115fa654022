package dev.outrigger.feature;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import org.junit.Test;

public class ConfigFileTest {

    private static final Map<String, Object> FEATURE = Map.of("port", 4403, "bind", "127.0.0.1", "groups", List.of("sheds", "cars"));

    @Test
    public void aConfigurationAsTheFeatureMadeItIsUnchangedWhateverTheTypesItWasReadBackWith() {
        Hashtable<String, Object> asRead = new Hashtable<>(Map.of("port", "4403", "bind", "127.0.0.1", "groups", "sheds,cars",
                "service.pid", "dev.outrigger.simulator", "felix.fileinstall.filename", "file:/opt/outrigger/etc/x.cfg"));
        assertTrue(ConfigFile.holds(asRead, FEATURE));
        Hashtable<String, Object> typed = new Hashtable<>(Map.of("port", 4403, "bind", "127.0.0.1",
                "groups", new String[] { "sheds", "cars" }));
        assertTrue("set again to the same values from the shell", ConfigFile.holds(typed, FEATURE));
    }

    @Test
    public void aChangedAddedOrRemovedValueMakesItTheUsers() {
        assertFalse(ConfigFile.holds(new Hashtable<>(Map.of("port", 4404, "bind", "127.0.0.1", "groups", "sheds,cars")), FEATURE));
        assertFalse(ConfigFile.holds(new Hashtable<>(Map.of("port", 4403, "bind", "127.0.0.1", "groups", "sheds,cars",
                "intervalSeconds", 5)), FEATURE));
        assertFalse(ConfigFile.holds(new Hashtable<>(Map.of("port", 4403, "bind", "127.0.0.1")), FEATURE));
    }
}
