package dev.outrigger.deviceplugin;

import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.outrigger.framework.metrics.Exposition;
import dev.outrigger.health.MetricSource;

/** Each resource served to the kubelet for /metrics, as {@code deviceplugin:status} shows it. */
@Component
public class DevicePluginMetrics implements MetricSource {

    @Reference
    private DevicePlugins plugins;

    @Override
    public String metrics() {
        List<ResourcePlugin> served = plugins.served();
        if (served.isEmpty()) {
            return "";
        }
        Exposition out = new Exposition();
        out.each(served, "resource", ResourcePlugin::resource)
                .metric("outrigger_deviceplugin_devices", "gauge", "Devices of the resource listed to the kubelet",
                        p -> p.devices().size())
                .metric("outrigger_deviceplugin_registered", "gauge", "1 while the kubelet there is now has the resource's "
                        + "registration", p -> p.registered() == null ? 0 : 1)
                .metric("outrigger_deviceplugin_allocations_total", "counter", "Containers the kubelet gave devices of the resource",
                        ResourcePlugin::allocations);
        return out.toString();
    }
}
