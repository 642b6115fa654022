package dev.outrigger.itest;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.frameworkStartLevel;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.TestProbeBuilder;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.outrigger.bridge.PtyPair;
import dev.outrigger.discovery.FakeSysfs;
import dev.outrigger.feature.Feature;
import dev.outrigger.framework.Ports;
import dev.outrigger.framework.bundles.BundleUpdate;

/**
 * Pax Exam options for the runtime as shipped: the bundles of the named features at their start
 * levels, FileInstall on a private etc/, state in a private data/, and {@code test.root} naming the
 * folder the test may use.
 */
final class PaxRuntime {

    private PaxRuntime() {
    }

    static List<Option> options(String prefix, String... features) throws IOException {
        Path root = Files.createTempDirectory(prefix);
        // this test class's JVM (one per class) ends with its framework: the folder goes with them
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(root)));
        Path etc = Files.createDirectories(root.resolve("etc"));
        // a free shell port, and an uplink to a free port until a test configures one: off what a
        // gateway or broker running on this machine listens on
        Files.writeString(etc.resolve("dev.outrigger.shell.cfg"), "enabled = true\nport = 0\n");
        Files.writeString(etc.resolve("dev.outrigger.mqtt.cfg"), "broker = tcp://127.0.0.1:" + Ports.free() + "\n");
        List<Option> options = new ArrayList<>();
        for (String feature : features) {
            for (Feature.Entry entry : Distribution.bundles(feature)) {
                options.add(bundle(Distribution.file(entry).toUri().toString()).startLevel(entry.startOrder()).start());
            }
        }
        options.add(junitBundles());
        options.add(frameworkStartLevel(100));
        options.add(frameworkProperty("outrigger.home").value(Distribution.HOME.toString()));
        options.add(frameworkProperty("outrigger.data").value(root.resolve("data").toString()));
        options.add(frameworkProperty("felix.fileinstall.dir").value(etc.toString()));
        options.add(frameworkProperty("felix.fileinstall.filter").value(".*\\.(cfg|config)"));
        options.add(frameworkProperty("felix.fileinstall.configEncoding").value("UTF-8"));
        options.add(frameworkProperty("felix.fileinstall.poll").value("100"));
        options.add(frameworkProperty("felix.fileinstall.noInitialDelay").value("true"));
        // tests rewrite and delete files in etc/ right after changes; FileInstall's asynchronous
        // write-back of a change could recreate a file a test has just deleted
        options.add(frameworkProperty("felix.fileinstall.enableConfigSave").value("false"));
        options.add(frameworkProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
        // no console: Gogo's shell would read the test JVM's stdin, and stop the framework at its end
        options.add(frameworkProperty("gosh.args").value("--nointeractive"));
        options.add(systemProperty("test.root").value(root.toString()));
        return options;
    }

    /**
     * The probe, with the helpers a test on a fake sysfs uses inside the framework, the update the
     * runtime's own updaters use (Felix may give up the start a plain update ends with), and its own.
     */
    static TestProbeBuilder withHelpers(TestProbeBuilder probe, Class<?>... more) {
        for (Class<?> helper : List.of(PaxRuntime.class, FakeSysfs.class, PtyPair.class, Ports.class, Await.class, BundleUpdate.class)) {
            probe.addTest(helper);
        }
        for (Class<?> helper : more) {
            probe.addTest(helper);
        }
        return probe;
    }

    /** Deletes a folder and what it holds, as far as it can (a file still in use may stay). */
    static void deleteTree(Path folder) {
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            // gone already, or a file still in use: nothing the test depends on
        }
    }

    /** Inside the framework: the folder {@link #options} made. */
    static Path root() {
        return Path.of(System.getProperty("test.root"));
    }

    /** Inside the framework: points discovery at the fake tree below {@link #root()}, once. */
    static void discoveryOn(ConfigurationAdmin configAdmin, Path sys, Path dev) throws IOException {
        Configuration c = configAdmin.getConfiguration("dev.outrigger.discovery", "?");
        if (c.getProperties() == null || !sys.toString().equals(c.getProperties().get("sysfs"))) {
            c.update(new Hashtable<>(Map.of("sysfs", sys.toString(), "dev", dev.toString(),
                    "proc", root().resolve("proc").toString())));
        }
    }

    /** Inside the framework: the installed bundle with this symbolic name. */
    static Bundle bundleNamed(BundleContext context, String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + symbolicName);
    }

    /** Inside the framework: the names of the threads whose name starts so, sorted. */
    static List<String> threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).filter(n -> n.startsWith(prefix)).sorted().toList();
    }
}
