package dev.outrigger.kube;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.outrigger.health.MetricSource;

/** Whether the Node is reported, for /metrics, as {@code kube:status} says. */
@Component
public class KubeMetrics implements MetricSource {

    @Reference
    private KubeKeeper keeper;

    @Override
    public String metrics() {
        return keeper.metrics();
    }
}
