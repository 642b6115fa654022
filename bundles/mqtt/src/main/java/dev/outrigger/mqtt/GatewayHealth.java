package dev.outrigger.mqtt;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import dev.outrigger.device.Board;
import dev.outrigger.device.BoardSensors;
import dev.outrigger.health.RuntimeHealth;
import dev.outrigger.mesh.MeshRadio;
import dev.outrigger.outbox.Outbox;
import dev.outrigger.position.PositionSource;

/**
 * The health summary of the retained online status: the runtime, the outbox, the radios' sessions
 * (by address), whether the GPS receivers have a fix (by device) and the board's supply and heat.
 * Each part is there while its source is; the connection works without any of them.
 */
@Component(service = GatewayHealth.class)
public class GatewayHealth {

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile RuntimeHealth runtime;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Outbox outbox;
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private final List<MeshRadio> radios = new CopyOnWriteArrayList<>();
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private final List<PositionSource> positions = new CopyOnWriteArrayList<>();
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Board board;

    /** The summary now; empty when none of its sources is there. */
    Map<String, Object> summary() {
        Map<String, Object> health = new LinkedHashMap<>();
        RuntimeHealth r = runtime;
        if (r != null) {
            try {
                List<String> problems = r.problems();
                health.put("runtime", problems.isEmpty() ? "ok" : "unhealthy");
                if (!problems.isEmpty()) {
                    health.put("runtimeProblems", problems);
                }
            } catch (RuntimeException e) {
                // read from every bundle and component as they change: the status goes out all the
                // same (a failure here on connecting would end the connection), and again once known
                health.put("runtime", "unknown");
                health.put("runtimeProblems", List.of("cannot tell: " + e));
            }
        }
        Outbox o = outbox;
        if (o != null) {
            Outbox.Stats s = o.stats();
            health.put("outbox", s.writeFailure().isPresent() ? "unwritable" : s.full() ? "full" : "ok");
            health.put("outboxDepth", s.depth());
            health.put("outboxDropped", s.dropped());
        }
        if (!radios.isEmpty()) {
            health.put("mesh", radios.stream().collect(Collectors.toMap(MeshRadio::address, MeshRadio::state, (a, b) -> a, TreeMap::new)));
        }
        if (!positions.isEmpty()) {
            // reading: whether there is a fix, which is what a fleet watches; otherwise why not
            health.put("gps", positions.stream().collect(Collectors.toMap(PositionSource::device,
                    p -> !p.state().equals("reading") ? p.state() : p.mode() >= 2 ? "fix" + p.mode() + "d" : "nofix", (a, b) -> a,
                    TreeMap::new)));
        }
        Board b = board;
        if (b != null) {
            // states, not degrees: the status is republished when they change
            BoardSensors sensors = b.sensors();
            sensors.underVoltage().ifPresent(under -> health.put("power", under ? "under-voltage" : "ok"));
            if (!sensors.temperatures().isEmpty()) {
                health.put("temperature", sensors.overheating() ? "overheating" : "ok");
            }
        }
        return health;
    }

    /** A summary without its counts, which change with every record: a change of these is news. */
    static Map<String, Object> states(Map<String, Object> summary) {
        Map<String, Object> states = new LinkedHashMap<>(summary);
        states.values().removeIf(Number.class::isInstance);
        return states;
    }
}
