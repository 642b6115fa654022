package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.jar.JarFile;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.ProbeBuilder;
import org.ops4j.pax.exam.TestProbeBuilder;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

import dev.outrigger.config.Settings;
import dev.outrigger.feature.Feature;
import dev.outrigger.framework.bundles.BundleUpdate;
import dev.outrigger.health.RuntimeHealth;

/**
 * Boots the {@code core} feature, bundle for bundle as the distribution ships it, in Felix with
 * Pax Exam, and checks what every later bundle relies on: everything active, DS components
 * activate, a file in etc/ configures them live, a bundle update replaces its component in place.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RuntimeIT {

    private static final String GREETER = "(component.name=dev.outrigger.itest.fixture.Greeter)";

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() throws IOException {
        List<Option> options = PaxRuntime.options("outrigger-itest", "core");
        List<String> symbolicNames = new ArrayList<>();
        for (Feature.Entry entry : Distribution.bundles("core")) {
            try (JarFile file = new JarFile(Distribution.file(entry).toFile())) {
                symbolicNames.add(file.getManifest().getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME).split(";")[0]);
            }
        }
        options.add(bundle(Distribution.FIXTURE.toUri().toString()).startLevel(Feature.DEFAULT_START_ORDER).start());
        // the probe runs inside the framework, where the feature reader is not visible: hand it the names
        options.add(systemProperty("core.bundles").value(String.join(",", symbolicNames)));
        options.add(systemProperty("fixture.jar").value(Distribution.FIXTURE.toString()));
        return options.toArray(Option[]::new);
    }

    @ProbeBuilder
    public TestProbeBuilder probe(TestProbeBuilder probe) {
        return PaxRuntime.withHelpers(probe);
    }

    @Test
    public void everyBundleIsActive() throws InterruptedException {
        Await.until("every bundle ACTIVE", Duration.ofSeconds(10), () -> {
            for (Bundle b : context.getBundles()) {
                if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null && b.getState() != Bundle.ACTIVE) {
                    return false;
                }
            }
            return true;
        });
        for (String bsn : System.getProperty("core.bundles").split(",")) {
            assertEquals(bsn + " of feature core is active", Bundle.ACTIVE, PaxRuntime.bundleNamed(context, bsn).getState());
        }
    }

    @Test
    public void componentOfATestBundleActivatesAndAFileConfiguresIt() throws Exception {
        Await.until("greeter with its default greeting", Duration.ofSeconds(10), () -> "hello".equals(greeter().get()));

        Path file = PaxRuntime.root().resolve("etc/dev.outrigger.itest.greeter.cfg");
        Files.writeString(file, "greeting = ahoy\n");
        Await.until("greeting from etc/", Duration.ofSeconds(5), () -> "ahoy".equals(greeter().get()));

        Files.writeString(file, "greeting = ahoy there\n");
        Await.until("changed greeting from etc/", Duration.ofSeconds(5), () -> "ahoy there".equals(greeter().get()));

        Files.delete(file);
        Await.until("default greeting after the file is gone", Duration.ofSeconds(5), () -> "hello".equals(greeter().get()));
    }

    @Test
    public void updatingABundleReplacesItsComponentWithoutRestartingTheFramework() throws Exception {
        Await.until("greeter", Duration.ofSeconds(10), () -> greeterReference() != null);
        Bundle fixture = PaxRuntime.bundleNamed(context, "dev.outrigger.itest.fixture");
        long serviceBefore = (Long) greeterReference().getProperty(Constants.SERVICE_ID);
        Bundle scr = PaxRuntime.bundleNamed(context, "org.apache.felix.scr");
        long scrModified = scr.getLastModified();
        ServiceRegistration<Runnable> marker = context.registerService(Runnable.class, () -> { }, new Hashtable<>(Map.of("marker", "before-update")));

        Path updated = PaxRuntime.root().resolve("fixture-updated.jar");
        Jars.withHeaders(Path.of(System.getProperty("fixture.jar")), updated, Map.of(Constants.BUNDLE_VERSION, "0.1.0.updated"));
        try (InputStream in = Files.newInputStream(updated)) {
            BundleUpdate.update(fixture, Optional.of(in));
        }

        Await.until("greeter from the updated bundle", Duration.ofSeconds(10), () -> {
            ServiceReference<?> ref = greeterReference();
            return ref != null && !ref.getProperty(Constants.SERVICE_ID).equals(serviceBefore);
        });
        assertEquals("0.1.0.updated", fixture.getVersion().toString());
        assertEquals("the greeter's bundle is the same bundle, updated in place", fixture.getBundleId(),
                greeterReference().getBundle().getBundleId());
        assertEquals("SCR was not restarted", scrModified, scr.getLastModified());
        assertNotNull("services registered before the update survive: no framework restart", marker.getReference());
        assertNotEquals(Bundle.UNINSTALLED, context.getBundle(0).getState());
        marker.unregister();
    }

    /**
     * A component enabled by default that is not enabled, as in the moment after Declarative
     * Services took up a bundle's components and before it enabled them (or when someone disabled
     * it), is not up: a remote update judged in that moment would pass a release that is broken.
     */
    @Test
    public void aComponentNotEnabledIsAProblemAndItsBundleNotSettled() throws Exception {
        Await.until("greeter", Duration.ofSeconds(10), () -> greeterReference() != null);
        RuntimeHealth health = context.getService(context.getServiceReference(RuntimeHealth.class));
        ServiceComponentRuntime scr = context.getService(context.getServiceReference(ServiceComponentRuntime.class));
        Bundle fixture = PaxRuntime.bundleNamed(context, "dev.outrigger.itest.fixture");
        ComponentDescriptionDTO greeter = scr.getComponentDescriptionDTO(fixture, "dev.outrigger.itest.fixture.Greeter");
        scr.disableComponent(greeter).getValue();
        try {
            assertEquals(List.of("component dev.outrigger.itest.fixture.Greeter is not enabled"),
                    health.problems(fixture.getBundleId()));
            assertFalse(health.settled(fixture.getBundleId()));
        } finally {
            scr.enableComponent(greeter).getValue();
        }
        Await.until("up and settled again", Duration.ofSeconds(10),
                () -> health.problems(fixture.getBundleId()).isEmpty() && health.settled(fixture.getBundleId()));
    }

    /**
     * Declarative Services reactivates a component whose configuration changed when it has no
     * modified method, as the configured features' list has not; the moment in between, satisfied
     * but not active, is no problem of the runtime's health: a readiness probe that fell on it would
     * take the gateway out of its Service for nothing.
     */
    @Test
    public void aComponentReactivatedForItsNewConfigurationIsNoProblemMeanwhile() throws Exception {
        RuntimeHealth health = context.getService(context.getServiceReference(RuntimeHealth.class));
        ServiceComponentRuntime scr = context.getService(context.getServiceReference(ServiceComponentRuntime.class));
        ConfigurationAdmin admin = context.getService(context.getServiceReference(ConfigurationAdmin.class));
        Bundle features = PaxRuntime.bundleNamed(context, "dev.outrigger.feature");
        ComponentDescriptionDTO required = scr.getComponentDescriptionDTO(features, "dev.outrigger.feature.RequiredFeatures");
        org.osgi.service.cm.Configuration list = admin.getConfiguration("dev.outrigger.feature", "?");
        List<String> seen = new CopyOnWriteArrayList<>();
        AtomicBoolean done = new AtomicBoolean();
        Thread probe = new Thread(() -> {
            while (!done.get()) {
                seen.addAll(health.problems(features.getBundleId()));
            }
        }, "readiness probe");
        probe.start();
        try {
            for (int i = 0; i < 40; i++) {
                // core is always installed: installing it again is a no-op, and taking it off uninstalls nothing
                String[] install = i % 2 == 0 ? new String[] { "core" } : new String[0];
                list.update(new Hashtable<>(Map.of("install", install)));
                Await.until("the list " + Arrays.toString(install) + " taken up", Duration.ofSeconds(5),
                        () -> scr.getComponentConfigurationDTOs(required).stream().anyMatch(c -> c.state == ComponentConfigurationDTO.ACTIVE
                                && Arrays.equals(install, (String[]) c.properties.get("install"))));
            }
        } finally {
            done.set(true);
            probe.join();
            list.delete();
        }
        assertEquals(List.of(), seen);
    }

    /**
     * Between an update and its start a bundle is unresolved while the update still holds it.
     * Reading configuration schemas meanwhile, as Configuration Admin's events make the runtime do
     * at any time, must not resolve it: the framework would make that start give up (it breaks the
     * two threads' lock cycle so) and the updated bundle stay stopped.
     */
    @Test
    public void readingConfigurationSchemasResolvesNoBundle() throws Exception {
        Settings settings = context.getService(context.getServiceReference(Settings.class));
        Bundle fixture = PaxRuntime.bundleNamed(context, "dev.outrigger.itest.fixture");
        fixture.stop();
        try {
            try (InputStream in = Files.newInputStream(Path.of(System.getProperty("fixture.jar")))) {
                fixture.update(in);
            }
            assertEquals("updated while stopped: not resolved yet", Bundle.INSTALLED, fixture.getState());
            assertFalse(settings.schemas().isEmpty());
            assertFalse(settings.schema("dev.outrigger.itest.nobody").isPresent());
            assertEquals("still not resolved", Bundle.INSTALLED, fixture.getState());
        } finally {
            fixture.start();
        }
        Await.until("the greeter back", Duration.ofSeconds(10), () -> "hello".equals(greeter().get()));
        assertTrue("its schema with it", settings.schema("dev.outrigger.itest.greeter").isPresent());
    }

    private ServiceReference<?> greeterReference() throws InvalidSyntaxException {
        Collection<ServiceReference<Supplier>> refs = context.getServiceReferences(Supplier.class, GREETER);
        return refs.isEmpty() ? null : refs.iterator().next();
    }

    @SuppressWarnings("unchecked")
    private Supplier<String> greeter() throws InvalidSyntaxException {
        ServiceReference<?> ref = greeterReference();
        return ref == null ? () -> null : (Supplier<String>) context.getService(ref);
    }
}
