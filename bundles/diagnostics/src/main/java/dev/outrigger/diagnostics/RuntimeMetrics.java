package dev.outrigger.diagnostics;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import dev.outrigger.device.SerialDevice;
import dev.outrigger.framework.memory.MemoryHeadroom;
import dev.outrigger.framework.metrics.Exposition;
import dev.outrigger.health.MetricSource;
import dev.outrigger.health.RuntimeHealth;
import dev.outrigger.outbox.Outbox;

/**
 * The runtime's figures for Prometheus, read when scraped from the services that hold them: its
 * health, the outbox, the serial devices present, the JVM, and what each {@link MetricSource}
 * adds (the uplink, bridges, radios, GPS receivers, the embedded broker, Kubernetes). Whatever is
 * not installed is left out. Nothing is counted here, so nothing is lost when this bundle is updated.
 */
@Component(service = RuntimeMetrics.class)
public class RuntimeMetrics {

    private final BundleContext context;
    private final RuntimeHealth health;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile Outbox outbox;
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private final List<SerialDevice> devices = new CopyOnWriteArrayList<>();
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private final List<MetricSource> sources = new CopyOnWriteArrayList<>();

    @Activate
    public RuntimeMetrics(BundleContext context, @Reference RuntimeHealth health) {
        this.context = context;
        this.health = health;
    }

    /** Every metric, as Prometheus reads them. */
    String scrape() {
        Exposition out = new Exposition();
        health(out);
        outbox(out);
        devices(out);
        process(out);
        StringBuilder text = new StringBuilder(out.toString());
        for (MetricSource source : sources) {
            try {
                text.append(source.metrics());
            } catch (RuntimeException e) {
                // a comment to Prometheus: the rest of the scrape stands
                text.append("# ").append(source.getClass().getName()).append(" failed: ")
                        .append(String.valueOf(e).replace('\n', ' ')).append('\n');
            }
        }
        return text.toString();
    }

    private void health(Exposition out) {
        List<String> problems = health.problems();
        out.single("outrigger_healthy", "gauge", "1 when every bundle is active, every component up and every configuration fits its schema (as /readyz)",
                problems.isEmpty() ? 1 : 0);
        out.single("outrigger_health_problems", "gauge", "Problems the health check finds, one a line in /readyz", problems.size());
        out.metric("outrigger_bundles", "gauge", "Installed bundles by state");
        bundleStates().forEach((state, count) -> out.sample("outrigger_bundles", count, "state", state));
        // which release of each of Outrigger's bundles runs: how a fleet's upgrade is followed
        out.metric("outrigger_bundle_info", "gauge", "1 for each of Outrigger's bundles, labelled with the version installed");
        for (Bundle b : context.getBundles()) {
            String name = b.getSymbolicName();
            if (name != null && name.startsWith("dev.outrigger.")) {
                out.sample("outrigger_bundle_info", 1, "bundle", name, "version", b.getVersion().toString());
            }
        }
    }

    private void outbox(Exposition out) {
        Outbox o = outbox;
        if (o != null) {
            Outbox.Stats s = o.stats();
            out.single("outrigger_outbox_records", "gauge", "Records waiting in the outbox", s.depth());
            out.single("outrigger_outbox_bytes", "gauge", "Bytes of the records waiting in the outbox", s.bytes());
            out.single("outrigger_outbox_oldest_age_seconds", "gauge", "Age of the oldest record waiting",
                    s.oldestAgeMillis() / 1000.0);
            out.single("outrigger_outbox_appended_total", "counter", "Records accepted by the outbox", s.appended());
            out.single("outrigger_outbox_delivered_total", "counter", "Records delivered and deleted from the outbox", s.delivered());
            out.single("outrigger_outbox_dropped_total", "counter", "Records dropped by the outbox's limits", s.dropped());
            out.single("outrigger_outbox_full", "gauge", "1 while the outbox is at its limit and drops the oldest", s.full() ? 1 : 0);
            out.single("outrigger_outbox_unwritable", "gauge", "1 while the outbox cannot be written (a full disk) and refuses records",
                    s.writeFailure().isPresent() ? 1 : 0);
        }
    }

    private void devices(Exposition out) {
        out.metric("outrigger_serial_devices", "gauge", "Serial devices present, by role");
        Map<String, Integer> roles = new TreeMap<>();
        devices.forEach(d -> roles.merge(d.role().key(), 1, Integer::sum));
        roles.forEach((role, count) -> out.sample("outrigger_serial_devices", count, "role", role));
    }

    /** The JVM and the process, under the names Prometheus' own clients give them. */
    private static void process(Exposition out) {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        out.metric("jvm_memory_used_bytes", "gauge", "Memory the JVM uses, by area");
        out.sample("jvm_memory_used_bytes", memory.getHeapMemoryUsage().getUsed(), "area", "heap");
        out.sample("jvm_memory_used_bytes", memory.getNonHeapMemoryUsage().getUsed(), "area", "nonheap");
        out.single("jvm_threads_current", "gauge", "Live threads", ManagementFactory.getThreadMXBean().getThreadCount());
        out.single("process_start_time_seconds", "gauge", "Start of the process, seconds since the epoch",
                ManagementFactory.getRuntimeMXBean().getStartTime() / 1000.0);
        // left out where there is no Linux /proc
        MemoryHeadroom.ofThisProcess().resident()
                .ifPresent(rss -> out.single("process_resident_memory_bytes", "gauge", "Resident memory of the process", rss));
    }

    private Map<String, Integer> bundleStates() {
        Map<String, Integer> states = new TreeMap<>();
        for (Bundle b : context.getBundles()) {
            String state = switch (b.getState()) {
                case Bundle.ACTIVE -> "active";
                case Bundle.RESOLVED -> "resolved";
                case Bundle.INSTALLED -> "installed";
                case Bundle.STARTING -> "starting";
                case Bundle.STOPPING -> "stopping";
                default -> "uninstalled";
            };
            states.merge(state, 1, Integer::sum);
        }
        return states;
    }
}
