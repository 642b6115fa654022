package dev.outrigger.bridge;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** Gogo {@code bridge:list}. */
@Component(service = BridgeCommands.class, property = { "osgi.command.scope=bridge", "osgi.command.function=list" })
public class BridgeCommands {

    @Reference
    private Bridges bridges;

    @Descriptor("the bridges, their ports, devices and clients")
    public String list() {
        String format = "%-40s %-22s %-8s %-16s %s%n";
        StringBuilder out = new StringBuilder(String.format(format, "NAME", "LISTEN", "CLIENTS", "DEVICE", "PATH"));
        for (Bridge b : bridges.all()) {
            out.append(String.format(format, b.options().name(), b.options().bind() + ":" + b.port(), b.clientCount(),
                    b.device() == null ? "absent" : "present", b.device() == null ? "-" : b.device().path()));
        }
        return out.toString();
    }
}
