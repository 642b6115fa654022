package dev.outrigger.meshtastic;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import dev.outrigger.framework.metrics.Exposition;
import dev.outrigger.health.MetricSource;
import dev.outrigger.mesh.MeshRadio;

/** Each radio's session and packets for /metrics, as {@code mesh:info} shows them. */
@Component
public class MeshMetrics implements MetricSource {

    /** This bundle's radios, configured or discovered, are the ones it can count for. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private final List<MeshRadio> radios = new CopyOnWriteArrayList<>();

    @Override
    public String metrics() {
        List<Radio> own = radios.stream().filter(Radio.class::isInstance).map(Radio.class::cast).toList();
        if (own.isEmpty()) {
            return "";
        }
        Exposition out = new Exposition();
        out.each(own, "radio", Radio::address)
                .metric("outrigger_mesh_radio_live", "gauge", "1 while the session with the Meshtastic radio is live",
                        r -> r.state().equals("live") ? 1 : 0)
                .metric("outrigger_mesh_nodes", "gauge", "Nodes in the radio's node table", r -> r.nodes().size())
                .metric("outrigger_mesh_sessions_total", "counter",
                        "Handshakes completed with the radio (more than one: it was unplugged, rebooted or went silent)",
                        r -> r.counters().sessions())
                .metric("outrigger_mesh_packets_total", "counter", "Packets heard and recorded in the outbox",
                        r -> r.counters().recorded())
                .metric("outrigger_mesh_repeats_total", "counter",
                        "Packets the radio handed over again after a handshake, recorded before and skipped",
                        r -> r.counters().repeats())
                .metric("outrigger_mesh_malformed_frames_total", "counter", "Frames skipped: over 512 bytes, or no valid FromRadio",
                        r -> r.counters().malformed());
        // radios that told their airtime
        List<Radio> told = own.stream().filter(r -> r.airtime().isPresent()).toList();
        if (!told.isEmpty()) {
            out.each(told, "radio", Radio::address)
                    .metric("outrigger_mesh_channel_utilization_ratio", "gauge", "Share of the time the radio hears the channel "
                            + "busy, as it last told (above 0.25 the firmware holds back telemetry and positions)",
                            r -> ratio(r.airtime().orElseThrow().channelUtilization()))
                    .metric("outrigger_mesh_air_util_tx_ratio", "gauge", "Share of the last hour the radio transmitted, as it "
                            + "last told (regions limit it: 0.1 in EU 868)", r -> ratio(r.airtime().orElseThrow().airUtilTx()));
        }
        return out.toString();
    }

    /** A percentage as a ratio, to the 0.01 % the firmware's floats are good for (no 0.00800000011920929). */
    private static double ratio(float percent) {
        return Math.round(percent * 100.0) / 10_000.0;
    }
}
