package dev.outrigger.gps;

import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.outrigger.framework.metrics.Exposition;
import dev.outrigger.health.MetricSource;

/** Each GPS receiver's fix and sentences for /metrics, as {@code gps:status} shows them. */
@Component
public class GpsMetrics implements MetricSource {

    @Reference
    private GpsReceivers gps;

    @Override
    public String metrics() {
        List<Receiver> receivers = gps.receivers();
        if (receivers.isEmpty()) {
            return "";
        }
        Exposition out = new Exposition();
        out.each(receivers, "device", Receiver::device)
                .metric("outrigger_gps_fix_mode", "gauge", "The GPS receiver's fix (gpsd's mode): 1 none, 2 2D, 3 3D",
                        Receiver::mode)
                .metric("outrigger_gps_reading", "gauge",
                        "1 while the receiver talks (0: silent, or its port is being retried)",
                        r -> r.state().equals("reading") ? 1 : 0)
                .metric("outrigger_gps_sentences_total", "counter", "Valid NMEA sentences read (of a receiver gpsd serves: its reports)", r -> r.status().sentences())
                .metric("outrigger_gps_rejected_total", "counter",
                        "Sentences skipped: wrong checksum, cut off, or garbage on the line", r -> r.status().rejected())
                .metric("outrigger_gps_fixes_total", "counter", "Fixes recorded in the outbox", r -> r.status().published());
        return out.toString();
    }
}
