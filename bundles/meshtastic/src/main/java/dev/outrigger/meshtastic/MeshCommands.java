package dev.outrigger.meshtastic;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import dev.outrigger.framework.logging.Printable;
import dev.outrigger.framework.table.Table;
import dev.outrigger.mesh.MeshRadio;
import dev.outrigger.mesh.MeshRadio.Delivery;
import dev.outrigger.mesh.MeshRadio.Hop;
import dev.outrigger.mesh.MeshRadio.MeshNode;
import dev.outrigger.mesh.MeshRadio.Route;

/** Gogo {@code mesh:nodes}, {@code mesh:info}, {@code mesh:send} and {@code mesh:traceroute}. */
@Component(service = MeshCommands.class, property = { "osgi.command.scope=mesh", "osgi.command.function=nodes",
        "osgi.command.function=info", "osgi.command.function=send", "osgi.command.function=traceroute" })
public class MeshCommands {

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    private final List<MeshRadio> radios = new CopyOnWriteArrayList<>();

    @Descriptor("every node the radios heard, most recent first")
    public String nodes(@Descriptor("only those heard within this, e.g. 30m, 2h, 1d") @Parameter(names = { "-s", "--since" },
            absentValue = "") String since) {
        long after = since.isEmpty() ? 0 : Instant.now().minus(duration(since)).getEpochSecond();
        Table table = new Table().column("ID").column("NAME").column("SHORT").column("HARDWARE").column("ROLE").column("LAST HEARD")
                .number("SNR").number("RSSI").number("HOPS").number("BAT").column("VOLTAGE").column("POSITION");
        for (MeshRadio radio : radios) {
            for (MeshNode n : radio.nodes().stream().filter(n -> n.lastHeard() >= after).toList()) {
                table.row(n.id(), n.longName(), n.shortName(), n.hardware(), n.role(),
                        n.lastHeard() == 0 ? null : Instant.ofEpochSecond(n.lastHeard()), n.snr(), n.rssi(), n.hopsAway(), n.batteryLevel(),
                        n.voltage() == null ? null : String.format(Locale.ROOT, "%.2f V", n.voltage()),
                        n.latitude() == null ? null : String.format(Locale.ROOT, "%.5f,%.5f", n.latitude(), n.longitude())
                                + (n.altitude() == null ? "" : " " + n.altitude() + " m"));
            }
        }
        return table.toString();
    }

    @Descriptor("the radios: address and state, own node, firmware, region and preset, channels")
    public String info() {
        if (radios.isEmpty()) {
            return "no radio configured (etc/dev.outrigger.meshtastic-<name>.cfg with address = host:port or a device path)\n";
        }
        StringBuilder out = new StringBuilder();
        radios.forEach(r -> r.describe().forEach(line -> out.append(line).append(System.lineSeparator())));
        return out.toString();
    }

    @Descriptor("ask a node for the way to it and back, and print each hop with the SNR it was heard at")
    public String traceroute(@Descriptor("channel index or name") @Parameter(names = { "-c", "--channel" }, absentValue = "0") String channel,
            @Descriptor("seconds to wait for the answer") @Parameter(names = { "-w", "--wait" }, absentValue = "60") int wait,
            @Descriptor("the node, e.g. !a1b2c3d4") String to) throws Exception {
        noLessThanNothing(wait);
        MeshRadio radio = live();
        long node = Radio.destination(to).orElseThrow(() -> new IllegalArgumentException("which node? e.g. !a1b2c3d4"));
        CompletableFuture<Route> answer = radio.traceroute(node, radio.channel(channel)).toCompletableFuture();
        Route route;
        try {
            route = answer.get(wait, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return "no answer yet after " + wait + " s (one that comes later is recorded on mesh/" + MeshNode.id(node)
                    + "/traceroute)" + System.lineSeparator();
        } catch (ExecutionException e) {
            String why = e.getCause() instanceof TimeoutException ? "no answer" : RoutingErrors.explain(e.getCause().getMessage());
            throw new IllegalStateException("traceroute to " + MeshNode.id(node) + " failed: " + why, e.getCause());
        }
        Map<Long, String> names = radio.nodes().stream().collect(Collectors.toMap(MeshNode::num, MeshNode::longName, (a, b) -> a));
        StringBuilder out = new StringBuilder("towards  ").append(hops(route.towards(), names)).append(System.lineSeparator());
        out.append("back     ").append(route.back().isEmpty() ? "(not told: firmware before 2.3)" : hops(route.back(), names))
                .append(System.lineSeparator());
        return out.toString();
    }

    private static String hops(List<Hop> hops, Map<Long, String> names) {
        return hops.stream().map(h -> {
            String name = Printable.line(names.getOrDefault(h.num(), ""));
            return MeshNode.id(h.num()) + (name.isEmpty() ? "" : " " + name)
                    + (h.snr() == null ? "" : String.format(Locale.ROOT, " (%.2f dB)", h.snr()));
        }).collect(Collectors.joining(" --> "));
    }

    private MeshRadio live() {
        return radios.stream().filter(r -> r.state().equals("live")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no radio is live"));
    }

    @Descriptor("send text with want_ack and wait for its acknowledgement")
    public String send(@Descriptor("to one node, e.g. !a1b2c3d4 (default: everyone)") @Parameter(names = { "-t", "--to" }, absentValue = "") String to,
            @Descriptor("channel index or name") @Parameter(names = { "-c", "--channel" }, absentValue = "0") String channel,
            @Descriptor("seconds to wait for the acknowledgement") @Parameter(names = { "-w", "--wait" }, absentValue = "30") int wait,
            @Descriptor("the text") String... words) throws Exception {
        noLessThanNothing(wait); // before anything goes out
        MeshRadio radio = live();
        MeshRadio.Sending sending = radio.send(String.join(" ", words), Radio.destination(to), radio.channel(channel));
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "queued as packet %d%n", sending.packetId()));
        try {
            Delivery d = sending.delivery().toCompletableFuture().get(wait, TimeUnit.SECONDS);
            String outcome = d.outcome().name().toLowerCase(Locale.ROOT).replace('_', ' ')
                    + (d.reason().isEmpty() ? "" : ": " + RoutingErrors.explain(d.reason()));
            if (d.outcome() == MeshRadio.Outcome.FAILED) {
                // one line after "error: ", not the queued line of a success
                throw new IllegalStateException("packet " + sending.packetId() + " " + outcome);
            }
            out.append(outcome).append(System.lineSeparator());
        } catch (TimeoutException e) {
            out.append("no acknowledgement yet after ").append(wait).append(" s").append(System.lineSeparator());
        }
        return out.toString();
    }

    /** 0 is fine: what was sent, or asked, is told later on MQTT. */
    private static void noLessThanNothing(int wait) {
        if (wait < 0) {
            throw new IllegalArgumentException("--wait takes seconds from 0 on, not " + wait);
        }
    }

    /** {@code 90s}, {@code 30m}, {@code 2h} or {@code 1d}. */
    static Duration duration(String text) {
        Matcher m = Pattern.compile("([0-9]{1,6})([smhd])").matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(text + " is no duration: a number and s, m, h or d, e.g. 30m");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
