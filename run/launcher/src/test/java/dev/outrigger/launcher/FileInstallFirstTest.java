package dev.outrigger.launcher;

import static org.junit.Assert.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.startlevel.BundleStartLevel;

/** Against a real Felix: FileInstall stops before the bundles it starts, though its start level is lower, and is back at the next start. */
public class FileInstallFirstTest {

    private static final Map<String, String> LEVELS = Map.of(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, "100");

    @Rule(order = 0)
    public TemporaryFolder folder = new TemporaryFolder();

    @Rule(order = 1)
    public TestFelix felix = new TestFelix();

    @Test
    public void fileInstallStopsFirstForThisRunOnly() throws Exception {
        Path cache = folder.newFolder("cache").toPath();
        Path jars = folder.newFolder("jars").toPath();
        Framework framework = felix.init(cache, LEVELS);
        BundleContext context = framework.getBundleContext();
        Bundle fileInstall = install(context, TestBundles.jar(jars.resolve("fileinstall.jar"), FileInstallFirst.FILEINSTALL, "3.7.4"), 3);
        Bundle deployed = install(context, TestBundles.jar(jars.resolve("radio.jar"), "test.radio", "1.0.0"), 80);
        context.addBundleListener(new FileInstallFirst(context));
        List<String> stopping = new CopyOnWriteArrayList<>();
        context.addBundleListener((SynchronousBundleListener) event -> {
            if (event.getType() == BundleEvent.STOPPING && event.getBundle().getBundleId() != 0) {
                stopping.add(event.getBundle().getSymbolicName());
            }
        });
        framework.start();
        assertEquals(Bundle.ACTIVE, fileInstall.getState());
        assertEquals(Bundle.ACTIVE, deployed.getState());

        felix.stop();
        assertEquals(List.of(FileInstallFirst.FILEINSTALL, "test.radio"), stopping);

        framework = felix.init(cache, LEVELS);
        framework.start();
        for (Bundle b : framework.getBundleContext().getBundles()) {
            assertEquals(b.getSymbolicName() + " started again", Bundle.ACTIVE, b.getState());
        }
    }

    private static Bundle install(BundleContext context, Path jar, int level) throws Exception {
        Bundle b = context.installBundle(jar.toUri().toString());
        b.adapt(BundleStartLevel.class).setStartLevel(level);
        b.start(); // persistently: the framework starts it at its level
        return b;
    }
}
