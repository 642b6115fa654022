package dev.outrigger.bridge;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import org.osgi.service.component.annotations.Component;

import dev.outrigger.device.SerialDevice;
import dev.outrigger.framework.claims.Claims;
import dev.outrigger.health.ProblemSource;

/**
 * The bridges running now, configured and automatic, for the shell and the runtime's health (a
 * bridge that cannot listen, or cannot open its device, leaves its clients without the device); and
 * the devices and the ports configured bridges take, which automatic bridges keep off.
 */
@Component(service = { Bridges.class, ProblemSource.class })
public class Bridges implements ProblemSource {

    private final List<Bridge> running = new CopyOnWriteArrayList<>();
    private final Claims<SerialDevice> configured = new Claims<>(ConfiguredBridge::matches);
    /** Where configured bridges listen, or are about to: recorded before their devices are claimed. */
    private final List<Bridge.Options> configuredListeners = new CopyOnWriteArrayList<>();
    /** Devices with role bridge that get no automatic bridge, by id: why (whose their port is). */
    private final Map<String, KeptOff> keptOff = new ConcurrentHashMap<>();
    private static final Set<String> ANY_ADDRESS = Set.of("0.0.0.0", "::", "0:0:0:0:0:0:0:0");
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    void add(Bridge b) {
        running.add(b);
        b.onChange(this::changed);
        changed();
    }

    void remove(Bridge b) {
        running.remove(b);
        changed();
    }

    /** To be told when a bridge comes or goes, starts listening, or its device comes or goes; with locks held: be quick. */
    void onChange(Runnable listener) {
        listeners.add(listener);
    }

    void noLongerTell(Runnable listener) {
        listeners.remove(listener);
    }

    private void changed() {
        listeners.forEach(Runnable::run);
    }

    List<Bridge> all() {
        return List.copyOf(running);
    }

    @Override
    public List<String> problems() {
        return running.stream().flatMap(b -> b.problem().stream()).toList();
    }

    /** The devices configured bridges select. */
    Claims<SerialDevice> configured() {
        return configured;
    }

    /**
     * A device with role bridge that gets no automatic bridge: why (whose its port is), and the name
     * a device profile that gives it a port of its own should give it.
     */
    record KeptOff(String why, String name) {
    }

    /** The automatic bridges' devices kept off their port, for the shell and the log, by id. */
    Map<String, KeptOff> keptOff() {
        return keptOff;
    }

    /** A configured bridge will listen so: call before {@link Claims#claim}, which tells the automatic bridges. */
    void willListen(Bridge.Options o) {
        configuredListeners.add(o);
    }

    void stoppedListening(Bridge.Options o) {
        configuredListeners.remove(o);
    }

    /** The name of another bridge that listens, or will, where one on {@code bind:port} would. */
    Optional<String> otherListener(String bind, int port, Bridge except) {
        return Stream.concat(configuredListeners.stream(),
                running.stream().filter(b -> b != except).map(Bridge::options))
                .filter(o -> o.port() == port && (o.bind().equals(bind) || ANY_ADDRESS.contains(o.bind())
                        || ANY_ADDRESS.contains(bind)))
                .map(Bridge.Options::name).findFirst();
    }
}
