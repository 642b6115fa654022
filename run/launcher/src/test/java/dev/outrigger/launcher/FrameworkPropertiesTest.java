package dev.outrigger.launcher;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class FrameworkPropertiesTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @After
    public void clearOverride() {
        System.clearProperty("felix.fileinstall.poll");
    }

    @Test
    public void substitutesHomeDataAndOtherKeysAndLetsSystemPropertiesOverride() throws Exception {
        Path home = folder.getRoot().toPath();
        Files.createDirectories(home.resolve("etc"));
        Files.writeString(home.resolve("etc/config.properties"), """
                org.osgi.framework.storage = ${outrigger.data}/cache
                felix.fileinstall.dir = ${outrigger.home}/etc
                felix.fileinstall.poll = 500
                nested = ${felix.fileinstall.dir}/x
                """);
        System.setProperty("felix.fileinstall.poll", "50");

        Map<String, String> p = FrameworkProperties.load(home, home.resolve("state"));

        assertEquals(home.resolve("state") + "/cache", p.get("org.osgi.framework.storage"));
        assertEquals(home + "/etc", p.get("felix.fileinstall.dir"));
        assertEquals(home + "/etc/x", p.get("nested"));
        assertEquals("a system property overrides the file", "50", p.get("felix.fileinstall.poll"));
        assertEquals("no console without a terminal", "--nointeractive", p.get("gosh.args"));
    }

    @Test
    public void rejectsCircularReferences() {
        assertThrows(IllegalArgumentException.class,
                () -> FrameworkProperties.substitute("${a}", Map.of("a", "${b}", "b", "${a}"), 0));
    }
}
