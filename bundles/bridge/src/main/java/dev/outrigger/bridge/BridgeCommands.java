package dev.outrigger.bridge;

import java.util.Locale;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.outrigger.framework.table.Table;

/** Gogo {@code bridge:list}, {@code bridge:kick} and {@code bridge:tap}. */
@Component(service = BridgeCommands.class, property = { "osgi.command.scope=bridge",
        "osgi.command.function=list", "osgi.command.function=kick", "osgi.command.function=tap" })
public class BridgeCommands {

    @Reference
    private Bridges bridges;

    @Descriptor("the bridges: port, mode, state (ready, waiting for the device, retrying to listen), clients, bytes to and from the device")
    public String list() {
        if (bridges.all().isEmpty()) {
            return "no bridge: none configured (etc/dev.outrigger.bridge-<name>.cfg; one whose settings are refused starts none, "
                    + "and health says why), and no device with role bridge (device:list shows the roles)\n";
        }
        Table table = new Table().column("LISTEN").column("MODE").column("STATE").number("CLIENTS").number("TO DEVICE")
                .number("FROM DEVICE").column("DEVICE");
        for (Bridge b : bridges.all()) {
            long[] bytes = b.bytes();
            // retrying: it cannot listen yet (the port taken, the address missing; said below the table)
            String state = b.port() < 0 ? "retrying" : b.device() == null ? "waiting" : "ready";
            int port = b.port() < 0 ? b.options().port() : b.port();
            table.row(b.options().bind() + ":" + port, b.options().mode().name().toLowerCase(Locale.ROOT), state, b.clientCount(),
                    bytes[0], bytes[1], b.device() == null ? b.options().name() : b.device().id() + " (" + b.device().path() + ")");
        }
        StringBuilder out = new StringBuilder(table.toString());
        bridges.problems().forEach(p -> out.append(p).append('\n'));
        bridges.keptOff().forEach((id, kept) -> out.append("not bridged: ").append(id).append(": ").append(kept.why())
                .append("; give it a port of its own with a device profile (device = ").append(kept.name()).append(", port = ...)\n"));
        return out.toString();
    }

    @Descriptor("disconnect the clients of the bridge on a port")
    public String kick(@Descriptor("TCP port of the bridge") int port) {
        return onPort(port).kick() + " client(s) disconnected";
    }

    @Descriptor("print the bytes between the clients of the bridge on a port and its device as they pass, in hex and ASCII")
    public void tap(CommandSession session,
            @Descriptor("stop after this many lines") @Parameter(names = { "-n", "--count" }, absentValue = "100") int count,
            @Descriptor("stop after this many seconds") @Parameter(names = { "-t", "--timeout" }, absentValue = "30") int seconds,
            @Descriptor("TCP port of the bridge") int port) throws InterruptedException {
        if (count < 1 || seconds < 1) {
            throw new IllegalArgumentException("-n and -t take a number from 1 on, not " + (count < 1 ? count : seconds));
        }
        try (Tapping tapping = new Tapping(onPort(port))) {
            tapping.print(session.getConsole(), count, seconds);
        }
    }

    private Bridge onPort(int port) {
        return bridges.all().stream().filter(x -> x.port() == port).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no bridge on port " + port + " (see bridge:list)"));
    }
}
