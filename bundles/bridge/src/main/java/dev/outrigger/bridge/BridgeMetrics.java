package dev.outrigger.bridge;

import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.outrigger.framework.metrics.Exposition;
import dev.outrigger.health.MetricSource;

/** Each bridge's figures for /metrics, as {@code bridge:list} shows them. */
@Component
public class BridgeMetrics implements MetricSource {

    @Reference
    private Bridges bridges;

    @Override
    public String metrics() {
        List<Bridge> all = bridges.all();
        Exposition out = new Exposition();
        out.metric("outrigger_bridge_listening", "gauge", "1 while the bridge listens on its port (0: retrying, the log says why)");
        all.forEach(b -> out.sample("outrigger_bridge_listening", b.port() < 0 ? 0 : 1, labels(b)));
        out.metric("outrigger_bridge_device_present", "gauge", "1 while the bridge's serial device is present");
        all.forEach(b -> out.sample("outrigger_bridge_device_present", b.device() == null ? 0 : 1, labels(b)));
        out.metric("outrigger_bridge_clients", "gauge", "TCP clients connected to the bridge");
        all.forEach(b -> out.sample("outrigger_bridge_clients", b.clientCount(), labels(b)));
        out.metric("outrigger_bridge_bytes_total", "counter", "Bytes through the bridge, to and from the serial device");
        for (Bridge b : all) {
            long[] bytes = b.bytes();
            String port = String.valueOf(b.options().port());
            out.sample("outrigger_bridge_bytes_total", bytes[0], "bridge", b.options().name(), "port", port, "direction", "to_device");
            out.sample("outrigger_bridge_bytes_total", bytes[1], "bridge", b.options().name(), "port", port, "direction", "from_device");
        }
        return out.toString();
    }

    /** The bridge's name (its device selector, or the device's id for an automatic one) and configured port. */
    private static String[] labels(Bridge b) {
        return new String[] { "bridge", b.options().name(), "port", String.valueOf(b.options().port()) };
    }
}
