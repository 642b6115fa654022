package dev.outrigger.kube;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** Gogo {@code kube:status}. */
@Component(service = KubeCommands.class, property = { "osgi.command.scope=kube", "osgi.command.function=status" })
public class KubeCommands {

    @Reference
    private KubeKeeper keeper;

    @Descriptor("mode, node, last report and lease renewal, labels, resources and conditions applied, last error")
    public String status() {
        return String.join(System.lineSeparator(), keeper.status()) + System.lineSeparator();
    }
}
