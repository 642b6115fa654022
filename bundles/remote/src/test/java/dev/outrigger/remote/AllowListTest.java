package dev.outrigger.remote;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

public class AllowListTest {

    @Test
    public void theDefaultAllowsOutriggersOwnPidsAndFactoryInstances() {
        AllowList list = new AllowList(new String[] { "dev.outrigger.*" });
        assertTrue(list.allows("dev.outrigger.mqtt"));
        assertTrue(list.allows("dev.outrigger.bridge~zigbee"));
        assertTrue(list.allows("dev.outrigger.remote.groups"));
        assertFalse(list.allows("com.example.other"));
    }

    @Test
    public void someAreNeverRemotelyConfigurableWhateverTheConfigurationSays() {
        AllowList list = new AllowList(new String[] { "*" });
        assertFalse("the shell could be opened to the network", list.allows("dev.outrigger.shell"));
        assertFalse("holds the allow-list and the signing key", list.allows("dev.outrigger.remote"));
        assertFalse("names the secrets", list.allows("dev.outrigger.config"));
        assertFalse(list.allows("org.apache.felix.fileinstall"));
        assertFalse(list.allows("org.apache.felix.fileinstall~deploy"));
        assertFalse(list.allows("org.ops4j.pax.logging"));
        assertTrue(list.allows("com.example.other"));
    }

    @Test
    public void exactNamesMatchExactly() {
        AllowList list = new AllowList(new String[] { "dev.outrigger.mqtt", " " });
        assertTrue(list.allows("dev.outrigger.mqtt"));
        assertFalse(list.allows("dev.outrigger.mqtt2"));
        assertFalse(list.allows("dev.outrigger.bridge~a"));
    }
}
