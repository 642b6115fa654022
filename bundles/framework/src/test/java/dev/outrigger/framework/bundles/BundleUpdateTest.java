package dev.outrigger.framework.bundles;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.apache.felix.framework.FrameworkFactory;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.wiring.FrameworkWiring;

import dev.outrigger.framework.Await;

/** In a real Felix: an update's start that the framework gives up, because another thread resolves the bundle meanwhile. */
public class BundleUpdateTest {

    @Rule
    public TemporaryFolder temporary = new TemporaryFolder();

    private Framework framework;
    private BundleContext context;

    @Before
    public void startFramework() throws Exception {
        framework = new FrameworkFactory().newFramework(Map.of(Constants.FRAMEWORK_STORAGE, temporary.newFolder("cache").toString(),
                Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT, "felix.log.level", "0"));
        framework.start();
        context = framework.getBundleContext();
    }

    @After
    public void stopFramework() throws Exception {
        framework.stop();
        framework.waitForStop(10_000);
    }

    @Test
    public void aPlainUpdateLeavesTheBundleStoppedWhenAnotherThreadResolvesItMeanwhile() throws Exception {
        Bundle bundle = installStarted();
        resolveFromAnotherThreadWhenUpdated(bundle);

        BundleException gaveUp = assertThrows(BundleException.class, () -> bundle.update(jar("1.1.0")));
        assertTrue(gaveUp.getMessage(), gaveUp.getMessage().contains("Unable to acquire global lock for resolve"));
        assertNotEquals("the new version is left stopped: what the helper is for", Bundle.ACTIVE, bundle.getState());
    }

    @Test
    public void anUpdateComesBackActiveWhenAnotherThreadResolvesItMeanwhile() throws Exception {
        Bundle bundle = installStarted();
        resolveFromAnotherThreadWhenUpdated(bundle);

        BundleUpdate.update(bundle, Optional.of(jar("1.1.0")));
        assertEquals(Bundle.ACTIVE, bundle.getState());
        assertEquals("1.1.0", bundle.getVersion().toString());
    }

    @Test
    public void aStoppedBundleStaysStoppedAndABrokenJarFailsLeavingTheOldVersionActive() throws Exception {
        Bundle bundle = installStarted();
        bundle.stop();
        BundleUpdate.update(bundle, Optional.of(jar("1.1.0")));
        assertEquals(Bundle.INSTALLED, bundle.getState());

        bundle.start();
        InputStream notAJar = new ByteArrayInputStream("not a jar".getBytes(StandardCharsets.US_ASCII));
        assertThrows(BundleException.class, () -> BundleUpdate.update(bundle, Optional.of(notAJar)));
        assertEquals(Bundle.ACTIVE, bundle.getState());
        assertEquals("1.1.0", bundle.getVersion().toString());
    }

    private Bundle installStarted() throws Exception {
        Bundle bundle = context.installBundle("test:updated", jar("1.0.0"));
        bundle.start();
        return bundle;
    }

    /**
     * While the update holds the bundle's lock (its UPDATED event is delivered synchronously in the
     * updating thread), another thread resolves the bundle and waits for that lock while holding
     * the resolver's: the cycle Felix breaks by making the update's start give up.
     */
    private void resolveFromAnotherThreadWhenUpdated(Bundle bundle) {
        FrameworkWiring wiring = framework.adapt(FrameworkWiring.class);
        context.addBundleListener((SynchronousBundleListener) event -> {
            if (event.getType() == BundleEvent.UPDATED && event.getBundle().equals(bundle)) {
                Thread resolver = new Thread(() -> wiring.resolveBundles(List.of(bundle)), "resolver");
                resolver.setDaemon(true);
                resolver.start();
                Await.until("the resolver waiting for the bundle's lock", Duration.ofSeconds(10),
                        () -> resolver.getState() == Thread.State.WAITING);
            }
        });
    }

    private static InputStream jar(String version) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue(Constants.BUNDLE_MANIFESTVERSION, "2");
        main.putValue(Constants.BUNDLE_SYMBOLICNAME, "test.updated");
        main.putValue(Constants.BUNDLE_VERSION, version);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(bytes, manifest)) {
            // the manifest is all a bundle needs
        }
        return new ByteArrayInputStream(bytes.toByteArray());
    }
}
