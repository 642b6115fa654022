package dev.outrigger.launcher;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.startlevel.BundleStartLevel;

/** Against a real Felix: what bundle/ holds is what the framework has, across restarts. */
public class BootBundlesTest {

    @Rule(order = 0)
    public TemporaryFolder folder = new TemporaryFolder();

    @Rule(order = 1)
    public TestFelix felix = new TestFelix();

    @Test
    public void installsNewJarsUpdatesChangedOnesKeepsOthersAndRemovesDeletedOnes() throws Exception {
        Path bundles = folder.newFolder("bundle").toPath();
        Path startLevels = folder.getRoot().toPath().resolve("startup.properties");
        Files.writeString(startLevels, "a-1.0.0.jar = 7\n");
        Path a = TestBundles.jar(bundles.resolve("a-1.0.0.jar"), "test.a", "1.0.0");
        Path b = TestBundles.jar(bundles.resolve("b-1.0.0.jar"), "test.b", "1.0.0");

        boot(bundles, startLevels);
        assertEquals(7, find("test.a").adapt(BundleStartLevel.class).getStartLevel());
        assertEquals(Bundle.ACTIVE, find("test.b").getState());
        long bInstalled = find("test.b").getLastModified();
        felix.stop();

        // same jars again: nothing to do
        boot(bundles, startLevels);
        assertEquals(bInstalled, find("test.b").getLastModified());

        // an update from the shell survives a restart while its jar in bundle/ stays as it was
        Path shell = TestBundles.jar(folder.getRoot().toPath().resolve("b-shell.jar"), "test.b", "1.0.1");
        try (InputStream in = Files.newInputStream(shell)) {
            find("test.b").update(in);
        }
        felix.stop();
        boot(bundles, startLevels);
        assertEquals("1.0.1", find("test.b").getVersion().toString());

        // a changed a, with the very same time stamp (reproducible builds): updated in place;
        // b removed from bundle/: uninstalled
        FileTime stamp = Files.getLastModifiedTime(a);
        TestBundles.jar(a, "test.a", "1.1.0");
        Files.setLastModifiedTime(a, stamp);
        Files.delete(b);
        felix.stop();
        boot(bundles, startLevels);
        assertEquals("1.1.0", find("test.a").getVersion().toString());
        assertNull(findOrNull("test.b"));
    }

    @Test
    public void aDeployedJarChangedBetweenACleanStopAndAStartIsUpdatedThoughItsNameAndTimeStampAreTheSame() throws Exception {
        Path home = folder.getRoot().toPath();
        Path bundles = folder.newFolder("bundle").toPath();
        Path startLevels = home.resolve("startup.properties");
        Path deployed = TestBundles.jar(folder.newFolder("deploy").toPath().resolve("d.jar"), "test.d", "1.0.0");
        boot(bundles, startLevels);
        felix.context().installBundle(deployed.toUri().toString()).start();
        new Sources(felix.context(), home).recordAll(felix.context().getBundles());
        felix.stop();

        // an upgrade, as unpacking a newer distribution does it: same name and time stamp
        FileTime stamp = Files.getLastModifiedTime(deployed);
        TestBundles.jar(deployed, "test.d", "1.0.1");
        Files.setLastModifiedTime(deployed, stamp);
        boot(bundles, startLevels);
        assertEquals("1.0.1", find("test.d").getVersion().toString());
        assertEquals(Bundle.ACTIVE, find("test.d").getState());
    }

    private void boot(Path bundles, Path startLevels) throws Exception {
        Framework framework = felix.init(folder.getRoot().toPath().resolve("cache"),
                Map.of(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, "100"));
        Sources sources = new Sources(framework.getBundleContext(), folder.getRoot().toPath());
        new BootBundles(framework.getBundleContext(), bundles, startLevels, sources).synchronize();
        sources.updateChanged(framework.getBundleContext().getBundles(), bundles);
        framework.start();
    }

    private Bundle find(String bsn) {
        Bundle b = findOrNull(bsn);
        assertNotNull(bsn + " installed", b);
        return b;
    }

    private Bundle findOrNull(String bsn) {
        for (Bundle b : felix.context().getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }
}
