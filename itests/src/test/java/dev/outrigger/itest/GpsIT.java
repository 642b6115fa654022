package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

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
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.outrigger.bridge.PtyPair;
import dev.outrigger.discovery.FakeSysfs;
import dev.outrigger.framework.Ports;
import dev.outrigger.framework.bundles.BundleUpdate;
import dev.outrigger.outbox.Outbox;
import dev.outrigger.position.PositionSource;

/**
 * A GPS receiver found by discovery: a u-blox USB receiver (its built-in profile makes it role
 * {@code gps}) whose node is a pseudo-terminal; the NMEA written to the other end becomes a
 * position record in the real outbox; unplugged, the receiver is gone. And a receiver that a real
 * gpsd serves, read from gpsd.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class GpsIT {

    @Inject
    private BundleContext context;
    @Inject
    private ConfigurationAdmin configAdmin;
    @Inject
    private Outbox outbox;

    @Configuration
    public Option[] config() throws Exception {
        return PaxRuntime.options("outrigger-gps-it", "core", "serial", "gps").toArray(Option[]::new);
    }

    @ProbeBuilder
    public TestProbeBuilder probe(TestProbeBuilder probe) {
        return PaxRuntime.withHelpers(probe, TalkingGps.class);
    }

    @Test
    public void aPluggedInReceiversFixesReachTheOutboxUntilItIsUnplugged() throws Exception {
        Path root = PaxRuntime.root();
        FakeSysfs tree = discoveryOn(root);
        PtyPair pty = new PtyPair(Files.createDirectories(root.resolve("pty")));
        try (TalkingGps gps = new TalkingGps(pty.peer)) {
            tree.wire("ttyACM0", pty.device);
            tree.plugCdcAcm("ttyACM0", "1-1.3", "1546", "01a8", "u-blox AG - www.u-blox.com", "u-blox GNSS receiver", "");

            Await.until("a 3D fix in gps:status and in the outbox", Duration.ofSeconds(20),
                    () -> status().contains("48.117300,11.516667") && !fixes("gps/usb-u-blox").isEmpty());
            Outbox.Entry fix = fixes("gps/usb-u-blox").get(0);
            String json = new String(fix.record().payload(), StandardCharsets.UTF_8);
            assertTrue(json, json.contains("\"lat\":48.1173") && json.contains("\"altMSL\":545.4"));
            assertTrue(fix.record().topic(), fix.record().topic().startsWith("gps/usb-u-blox"));
            assertTrue("retained: a new subscriber learns where the gateway is", fix.record().retained());
            // what the MQTT status and the Node's GpsFix condition report
            ServiceReference<PositionSource> ref = context.getServiceReference(PositionSource.class);
            PositionSource source = context.getService(ref);
            assertTrue(source.device(), source.device().startsWith("usb-u-blox"));
            assertEquals(3, source.mode());
            context.ungetService(ref);

            // the bundle updated while it reads: it reads again, and its old revision leaves no thread behind
            List<String> threads = PaxRuntime.threadsNamed("outrigger-gps");
            int before = fixes("gps/usb-u-blox").size();
            BundleUpdate.update(PaxRuntime.bundleNamed(context, "dev.outrigger.gps"), Optional.empty());
            Await.until("fixes again after the update", Duration.ofSeconds(20), () -> fixes("gps/usb-u-blox").size() > before);
            Await.until("the threads of before, no more: " + threads, Duration.ofSeconds(10),
                    () -> PaxRuntime.threadsNamed("outrigger-gps").equals(threads));

            tree.unplug("ttyACM0");
            Await.until("the receiver gone with the device", Duration.ofSeconds(10), () -> status().startsWith("no GPS receiver"));
            assertEquals(null, context.getServiceReference(PositionSource.class));
        } finally {
            pty.close();
        }
    }

    @Test
    public void theReceiversOfAConfiguredGpsdAreReadFromItAndTheirPortsLeftToIt() throws Exception {
        // a u-blox receiver that gpsd (Debian's) reads, as its udev rules have it do
        Path root = PaxRuntime.root();
        FakeSysfs tree = discoveryOn(root);
        PtyPair pty = new PtyPair(Files.createDirectories(root.resolve("pty-gpsd")));
        int port = Ports.free();
        Process gpsd = gpsd(port, pty.device.toString());
        org.osgi.service.cm.Configuration gps = configAdmin.getConfiguration("dev.outrigger.gps", "?");
        try (TalkingGps receiver = new TalkingGps(pty.peer)) {
            gps.update(new Hashtable<>(Map.of("gpsd", "127.0.0.1:" + port)));
            Await.until("gpsd's receiver in gps:status, with its fix", Duration.ofSeconds(20),
                    () -> status().contains("gpsd-ttyDEVICE") && status().contains("48.117300,11.516667"));
            // plugged in now, the receiver's port is gpsd's: never opened, or gpsd (3.22) could stop reading it for good
            tree.wire("ttyACM1", pty.device);
            tree.plugCdcAcm("ttyACM1", "1-1.4", "1546", "01a8", "u-blox AG - www.u-blox.com", "u-blox GNSS receiver", "");
            Await.until("the device found by discovery", Duration.ofSeconds(10),
                    () -> context.getServiceReferences(dev.outrigger.device.SerialDevice.class, "(device.role=gps)").size() == 1);
            Await.until("the receiver's port said to be gpsd's", Duration.ofSeconds(10), () -> status().lines()
                    .anyMatch(l -> l.startsWith("usb-u-blox") && l.endsWith("): its port is gpsd's, read from gpsd")));
            assertFalse("not read from its port: " + status(), status().lines().anyMatch(l -> l.startsWith("usb-u-blox")
                    && !l.endsWith("read from gpsd")));
            assertTrue(status(), status().contains(pty.device + " at gpsd 127.0.0.1:" + port)
                    && status().contains("connected to gpsd 3."));
            Await.until("its fix in the outbox", Duration.ofSeconds(10),
                    () -> !fixes("gps/gpsd-ttyDEVICE").isEmpty());
            ServiceReference<PositionSource> ref = context.getServiceReference(PositionSource.class);
            PositionSource source = context.getService(ref);
            assertEquals("gpsd-ttyDEVICE", source.device());
            assertEquals("what the MQTT status and the Node's GpsFix condition report", 3, source.mode());
            context.ungetService(ref);

            // the bundle updated while it reads gpsd: it reads again, and leaves no thread behind
            List<String> threads = PaxRuntime.threadsNamed("outrigger-gps");
            long before = fixes("gps/gpsd-ttyDEVICE").size();
            BundleUpdate.update(PaxRuntime.bundleNamed(context, "dev.outrigger.gps"), Optional.empty());
            Await.until("fixes from gpsd again after the update", Duration.ofSeconds(20),
                    () -> fixes("gps/gpsd-ttyDEVICE").size() > before);
            Await.until("the threads of before, no more: " + threads, Duration.ofSeconds(10),
                    () -> PaxRuntime.threadsNamed("outrigger-gps").equals(threads));
            tree.unplug("ttyACM1");
        } finally {
            gps.delete();
            stop(gpsd);
            pty.close();
        }
        Await.until("no receiver once gpsd is no longer configured", Duration.ofSeconds(10),
                () -> status().startsWith("no GPS receiver"));
    }

    @Test
    public void aReceiverPluggedInIsLeftAMomentToGpsdToTakeAndOpenedWhenItDoesNot() throws Exception {
        // gpsd with no device yet: Debian's udev rule adds a receiver to it (gpsdctl) as it is plugged in
        Path root = PaxRuntime.root();
        FakeSysfs tree = discoveryOn(root);
        PtyPair taken = new PtyPair(Files.createDirectories(root.resolve("pty-taken")));
        PtyPair left = new PtyPair(Files.createDirectories(root.resolve("pty-left")));
        // readable to gpsd once it runs as its own user, as a receiver's node is to the dialout group
        Files.setPosixFilePermissions(taken.device.toRealPath(), PosixFilePermissions.fromString("rw-rw-rw-"));
        Path control = root.resolve("gpsd.sock");
        int port = Ports.free();
        Process gpsd = gpsd(port, "-F", control.toString());
        org.osgi.service.cm.Configuration gps = configAdmin.getConfiguration("dev.outrigger.gps", "?");
        try (TalkingGps first = new TalkingGps(taken.peer); TalkingGps second = new TalkingGps(left.peer)) {
            gps.update(new Hashtable<>(Map.of("gpsd", "127.0.0.1:" + port)));
            Await.until("gpsd read", Duration.ofSeconds(20), () -> status().contains("connected to gpsd 3."));

            tree.wire("ttyACM2", taken.device);
            tree.plugCdcAcm("ttyACM2", "1-1.5", "1546", "01a8", "u-blox AG - www.u-blox.com", "u-blox GNSS receiver", "A");
            Await.until("the receiver left to gpsd for a moment", Duration.ofSeconds(10),
                    () -> status().contains("): left to gpsd to take, opened unless it does"));
            try (SocketChannel gpsdctl = SocketChannel.open(UnixDomainSocketAddress.of(control))) {
                // the node itself: gpsd, no longer root, may not look into the test's folders
                gpsdctl.write(ByteBuffer.wrap(("+" + taken.device.toRealPath() + "\n").getBytes(StandardCharsets.US_ASCII)));
            }
            Await.until("taken by gpsd, and read from it", Duration.ofSeconds(20), () -> status().lines()
                    .anyMatch(l -> l.startsWith("usb-u-blox") && l.endsWith("): its port is gpsd's, read from gpsd"))
                    && status().contains("48.117300,11.516667"));

            // one gpsd does not take is opened once its moment is over
            tree.wire("ttyACM3", left.device);
            tree.plugCdcAcm("ttyACM3", "1-1.6", "1546", "01a8", "u-blox AG - www.u-blox.com", "u-blox GNSS receiver", "B");
            Await.until("read from its own port", Duration.ofSeconds(20), () -> status().lines()
                    .anyMatch(l -> l.startsWith("usb-u-blox") && l.contains(" reading ") && l.contains("48.117300,11.516667")));
            assertTrue(status(), status().lines().anyMatch(l -> l.startsWith("usb-u-blox") && l.endsWith("read from gpsd")));
            tree.unplug("ttyACM2");
            tree.unplug("ttyACM3");
        } finally {
            gps.delete();
            stop(gpsd);
            taken.close();
            left.close();
        }
    }

    /** A fake sysfs and /dev, discovery reading them. */
    private FakeSysfs discoveryOn(Path root) throws Exception {
        FakeSysfs tree = new FakeSysfs(root);
        PaxRuntime.discoveryOn(configAdmin, tree.sys, tree.dev);
        return tree;
    }

    /** Debian's gpsd on that port, read-only (-b: it leaves the line settings alone), with its other arguments. */
    private static Process gpsd(int port, String... more) throws IOException {
        List<String> command = new ArrayList<>(List.of("/usr/sbin/gpsd", "-N", "-n", "-b", "-S", Integer.toString(port)));
        command.addAll(List.of(more));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static void stop(Process gpsd) throws InterruptedException {
        gpsd.destroy();
        gpsd.waitFor(5, TimeUnit.SECONDS);
    }

    /** The 3D fixes in the outbox on topics that start so (each test has its receiver). */
    private List<Outbox.Entry> fixes(String topic) throws InterruptedException {
        return outbox.read(0, 1000, 0, TimeUnit.SECONDS).stream().filter(e -> e.record().topic().startsWith(topic)
                && new String(e.record().payload(), StandardCharsets.UTF_8).contains("\"mode\":3")).toList();
    }

    /** What gps:status prints (the command's class is private to its bundle). */
    private String status() throws Exception {
        ServiceReference<?> ref = context.getServiceReference("dev.outrigger.gps.GpsReceivers");
        Object receivers = context.getService(ref);
        try {
            return (String) receivers.getClass().getMethod("status").invoke(receivers);
        } finally {
            context.ungetService(ref);
        }
    }
}
