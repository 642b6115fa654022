package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

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
import org.osgi.service.cm.ConfigurationAdmin;

import dev.outrigger.bridge.PtyPair;
import dev.outrigger.discovery.FakeSysfs;
import dev.outrigger.framework.Ports;
import dev.outrigger.mesh.MeshRadio;

/**
 * A Meshtastic radio found by discovery: a CDC ACM device that its profile makes role
 * {@code meshtastic} gets a radio session by itself, here with the simulated radio on the far end
 * of a pseudo-terminal; unplugged, the radio is gone.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class MeshtasticIT {

    @Inject
    private BundleContext context;
    @Inject
    private ConfigurationAdmin configAdmin;

    @Configuration
    public Option[] config() throws Exception {
        return PaxRuntime.options("outrigger-mesh-it", "core", "serial", "meshtastic", "simulator").toArray(Option[]::new);
    }

    @ProbeBuilder
    public TestProbeBuilder probe(TestProbeBuilder probe) {
        return PaxRuntime.withHelpers(probe);
    }

    @Test
    public void aPluggedInRadioGetsASessionByItselfAndLosesItWhenUnplugged() throws Exception {
        Path root = PaxRuntime.root();
        FakeSysfs tree = new FakeSysfs(root);
        PaxRuntime.discoveryOn(configAdmin, tree.sys, tree.dev);
        PtyPair pty = new PtyPair(Files.createDirectories(root.resolve("pty")));
        try {
            org.osgi.service.cm.Configuration simulator = configAdmin.getConfiguration("dev.outrigger.simulator", "?");
            simulator.update(new Hashtable<>(Map.of("port", Ports.free(), "intervalSeconds", 0.2, "pty", pty.peer.toString())));

            // a RAK4631-like radio: CDC ACM, product name with "Meshtastic" in it; its node is the pty
            tree.wire("ttyACM0", pty.device);
            tree.plugCdcAcm("ttyACM0", "1-1.2", "239a", "8029", "RAKwireless", "WisCore RAK4631 Meshtastic", "C0FFEE");

            MeshRadio radio = Await.value("a radio for the discovered device, live", Duration.ofSeconds(20), () -> {
                List<MeshRadio> live = radios().stream().filter(r -> r.state().equals("live")).toList();
                if (live.isEmpty()) {
                    throw new IllegalStateException("radios " + radios().stream().map(r -> r.address() + " " + r.state()).toList()
                            + ", devices " + Arrays.toString(context.getServiceReferences(
                                    "dev.outrigger.device.SerialDevice", null)));
                }
                return live.get(0);
            });
            assertTrue("opened by its /dev node (no by-id link in this tree): " + radio.address(), radio.address().endsWith("ttyACM0"));
            Await.until("the simulated nodes in its table", Duration.ofSeconds(20),
                    () -> radio.nodes().stream().anyMatch(n -> n.longName().equals("Garage")));
            assertEquals("!5a1a0001", radio.self().orElseThrow().id());

            // a radio configured for the device replaces its automatic session, until it is deleted
            org.osgi.service.cm.Configuration configured = configAdmin.getFactoryConfiguration("dev.outrigger.meshtastic", "mine", "?");
            configured.update(new Hashtable<>(Map.of("address", radio.address(), "heartbeatSeconds", 60)));
            Await.until("the configured radio alone, live", Duration.ofSeconds(20), () -> {
                var refs = context.getServiceReferences(MeshRadio.class, null);
                return refs.size() == 1 && refs.iterator().next().getProperty("device.id") == null
                        && context.getService(refs.iterator().next()).state().equals("live");
            });
            configured.delete();
            Await.until("the automatic session back, live", Duration.ofSeconds(20), () -> {
                var refs = context.getServiceReferences(MeshRadio.class, null);
                return refs.size() == 1 && refs.iterator().next().getProperty("device.id") != null
                        && context.getService(refs.iterator().next()).state().equals("live");
            });

            tree.unplug("ttyACM0");
            Await.until("the radio gone with the device", Duration.ofSeconds(10), () -> radios().isEmpty());
        } finally {
            pty.close();
        }
    }

    private List<MeshRadio> radios() throws Exception {
        return context.getServiceReferences(MeshRadio.class, null).stream().map(context::getService).toList();
    }
}
