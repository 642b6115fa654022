package dev.outrigger.remote;

import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.config.Settings;
import dev.outrigger.config.Settings.Snapshot;
import dev.outrigger.config.Settings.Update;
import dev.outrigger.config.SettingsException;
import dev.outrigger.framework.files.DataFolder;
import dev.outrigger.framework.files.DurableFile;
import dev.outrigger.framework.json.Json;
import dev.outrigger.framework.threads.Daemons;
import dev.outrigger.messaging.Message;
import dev.outrigger.messaging.Messaging;

/**
 * Remote changes of the configuration remote requests travel through: the uplink's and the
 * embedded broker's. A wrong broker address sent remotely would cut the gateway off for good, with
 * no way left to send the change that undoes it. So such a change is announced on
 * {@code <root>/<gw>/config/events} until the gateway hears the announcement back through the
 * broker; not heard within {@code probationSeconds}, the values it changed are put back. A local
 * change of the same configuration meanwhile (the shell, a file) is someone on site: theirs stays.
 * Kept in {@code data/} until settled, so a restart meanwhile does not forget it; a restart gives
 * the change a whole probation again. Independent of the uplink's own service, which such a change
 * restarts or, if it cannot start, keeps away. Modified, not replaced, when the remote requests'
 * configuration changes: a change being applied meanwhile is then still watched.
 */
@Component(service = UplinkChanges.class, immediate = true, configurationPid = RemoteRequests.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public class UplinkChanges {

    /** The PIDs whose configuration remote requests and their replies travel through. */
    static final Set<String> CHANNEL = Set.of("dev.outrigger.mqtt", "dev.outrigger.broker");
    /** The uplink's PID: a change of it replaces the Messaging service, which then proves it. */
    private static final String UPLINK = "dev.outrigger.mqtt";

    private static final Logger LOG = LoggerFactory.getLogger(UplinkChanges.class);
    private static final long EVERY_SECONDS = 2;
    /** Far more than an announcement takes: a larger message on the topic is someone else's. */
    private static final int MAX_EVENT_BYTES = 16384;

    /**
     * One changed PID: the revision the change left it at, the values it had before each changed
     * property (null: it was not set) and who asked.
     */
    private record Change(long revision, Map<String, Object> before, String requester) {
    }

    private final Settings settings;
    private volatile long probationNanos;
    private final Path file;
    private final LongSupplier nanoTime;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Daemons.named("outrigger-remote-uplink-changes"));

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile Messaging messaging;

    /** Guarded by this: the changes waiting, by PID, all confirmed at once by {@link #token}. */
    private final Map<String, Change> waiting = new LinkedHashMap<>();
    private String token;
    private long deadline;
    /**
     * The connection bound when the uplink's own configuration changed: it runs on the values from
     * before until Declarative Services replaces it (a moment, or longer on a busy Pi), and its
     * hearing itself meanwhile would prove nothing about the new ones.
     */
    private Messaging superseded;
    /** Roll backs not yet told on the events topic. */
    private final List<Map<String, Object>> untold = new ArrayList<>();
    /** Set once deactivated: a change applied later would be watched by no one. */
    private boolean closed;
    private final Announcer announcer = new Announcer();

    @Activate
    public UplinkChanges(@Reference Settings settings, RemoteRequestsConfig config, BundleContext context) {
        this(settings, config.probationSeconds(), DataFolder.of(context).resolve("unconfirmed-configuration.json"),
                System::nanoTime);
        timer.scheduleWithFixedDelay(this::tick, EVERY_SECONDS, EVERY_SECONDS, TimeUnit.SECONDS);
    }

    /** Without its timer: tests call {@link #tick()}, with their own clock. */
    UplinkChanges(Settings settings, int probationSeconds, Path file, LongSupplier nanoTime) {
        this.settings = settings;
        this.probationNanos = TimeUnit.SECONDS.toNanos(probationSeconds);
        this.file = file;
        this.nanoTime = nanoTime;
        synchronized (this) {
            if (probationNanos > 0) {
                load();
            } else {
                save(); // no probation: what waited is let go
            }
        }
    }

    /**
     * A new probation: what waits keeps the time it was changed at, and is let go when there is
     * no probation any more.
     */
    @Modified
    void modified(RemoteRequestsConfig config) {
        probation(config.probationSeconds());
    }

    synchronized void probation(int seconds) {
        long next = TimeUnit.SECONDS.toNanos(seconds);
        deadline += next - probationNanos;
        probationNanos = next;
        if (next == 0 && !waiting.isEmpty()) {
            LOG.info("Remote configuration: probation is off: the change of {} is no longer put back unconfirmed",
                    String.join(", ", waiting.keySet()));
            waiting.clear();
            token = null;
            superseded = null;
            save();
        }
    }

    /** After a change being applied, which is then in {@code data/} for the next instance to watch. */
    @Deactivate
    synchronized void deactivate() {
        closed = true;
        timer.shutdownNow();
    }

    /** The seconds a change of this PID has to be confirmed in, or empty when it needs none. */
    OptionalLong confirmWithin(String pid) {
        return CHANNEL.contains(pid) && probationNanos > 0 ? OptionalLong.of(TimeUnit.NANOSECONDS.toSeconds(probationNanos))
                : OptionalLong.empty();
    }

    /**
     * Applies a remote change of a {@link #CHANNEL} PID, already replied to, and puts it on
     * probation; a change that can no longer be applied is said in the log.
     */
    synchronized void apply(Update update) {
        Messaging bound = messaging; // before the change can replace it
        try {
            if (closed) {
                throw new IllegalStateException("remote configuration stopped meanwhile; send it again");
            }
            Snapshot before = settings.get(update.pid()).get(0);
            changed(before, settings.set(update), update.requester(), bound);
        } catch (SettingsException | RuntimeException e) {
            LOG.error("Remote configuration: the change of {} by {}, accepted in its reply, is not applied: {}", update.pid(),
                    update.requester(), e.getMessage());
        }
    }

    /**
     * A remote change applied: from {@code before} to {@code after}, while {@code bound} was the
     * uplink. A second change of a PID still waiting keeps the values from before the first, the
     * last ones known to work.
     */
    private synchronized void changed(Snapshot before, Snapshot after, String requester, Messaging bound) {
        if (confirmWithin(after.pid()).isEmpty()) {
            return;
        }
        Map<String, Object> restore = new LinkedHashMap<>();
        Set<String> keys = new TreeSet<>(before.properties().keySet());
        keys.addAll(after.properties().keySet());
        for (String key : keys) {
            if (!Objects.deepEquals(before.properties().get(key), after.properties().get(key))) {
                restore.put(key, listed(before.properties().get(key)));
            }
        }
        Change earlier = waiting.get(after.pid());
        if (earlier != null) {
            restore.putAll(earlier.before());
        }
        if (restore.isEmpty()) {
            return; // nothing changed: nothing to put back
        }
        waiting.put(after.pid(), new Change(after.revision(), restore, requester));
        if (after.pid().equals(UPLINK)) {
            superseded = bound;
        }
        token = UUID.randomUUID().toString();
        deadline = nanoTime.getAsLong() + probationNanos;
        save();
        LOG.info("Remote configuration: the change of {} ({}) is put back unless this gateway hears itself through the "
                + "broker within {} s", after.pid(), String.join(", ", restore.keySet()), TimeUnit.NANOSECONDS.toSeconds(probationNanos));
    }

    /** A message on {@code config/events}: this gateway's own announcement, come back, confirms what waits. */
    synchronized void heard(byte[] payload) {
        if (token == null || payload.length > MAX_EVENT_BYTES) {
            return;
        }
        try {
            Map<String, Object> event = Json.object(payload);
            if (!"changed".equals(event.get("event")) || !token.equals(event.get("confirm"))) {
                return;
            }
        } catch (IllegalArgumentException notOurs) {
            return;
        }
        String confirmed = String.join(", ", waiting.keySet());
        waiting.clear();
        token = null;
        superseded = null;
        save(); // first: once the line is in the log, nothing is left to roll back
        LOG.info("Remote configuration: the change of {} is confirmed: this gateway hears itself through the broker", confirmed);
    }

    /** Rolls back what is due, then announces: outside the lock, so that a slow publication holds up no confirmation. */
    void tick() {
        try {
            List<Map<String, Object>> announcements = new ArrayList<>();
            List<Map<String, Object>> told;
            synchronized (this) {
                if (token != null && nanoTime.getAsLong() - deadline >= 0) {
                    rollBack();
                }
                if (token != null && messaging != superseded) {
                    Map<String, Object> event = new LinkedHashMap<>();
                    event.put("event", "changed");
                    event.put("pids", List.copyOf(waiting.keySet()));
                    event.put("confirm", token);
                    announcements.add(event);
                }
                told = List.copyOf(untold);
            }
            Messaging m = messaging;
            if (m == null || !m.isConnected()) {
                return;
            }
            announcements.forEach(event -> publish(m, event));
            for (Map<String, Object> event : told) {
                announcer.tell(event, () -> publish(m, event), () -> {
                    synchronized (this) {
                        untold.remove(event);
                    }
                });
            }
        } catch (RuntimeException e) {
            LOG.warn("Remote configuration: cannot look after the changes of the uplink waiting for confirmation: {}", e.toString());
        }
    }

    private void rollBack() {
        for (Map.Entry<String, Change> e : waiting.entrySet()) {
            String pid = e.getKey();
            Change change = e.getValue();
            String keys = String.join(", ", change.before().keySet());
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("event", "rolledBack");
            event.put("pid", pid);
            event.put("properties", List.copyOf(change.before().keySet()));
            event.put("requester", change.requester());
            try {
                long now = settings.get(pid).get(0).revision();
                if (now != change.revision()) {
                    LOG.warn("Remote configuration: the change of {} ({}) was not confirmed, but {} was changed on the gateway "
                            + "since (revision {} to {}): left as it is", pid, keys, pid, change.revision(), now);
                    continue;
                }
                settings.set(new Update(pid, change.before(), false, OptionalLong.of(now), "roll back"));
                LOG.error("Remote configuration: the change of {} ({}) by {} was not confirmed within {} s: this gateway did "
                        + "not hear itself through the broker, so the values from before it are back", pid, keys,
                        change.requester(), TimeUnit.NANOSECONDS.toSeconds(probationNanos));
                event.put("reason", "not confirmed within " + TimeUnit.NANOSECONDS.toSeconds(probationNanos) + " s");
                untold.add(event);
            } catch (SettingsException | RuntimeException failed) {
                LOG.error("Remote configuration: the change of {} ({}) was not confirmed, and putting back the values from "
                        + "before it failed: {}", pid, keys, failed.getMessage());
            }
        }
        waiting.clear();
        token = null;
        superseded = null;
        save();
    }

    private CompletionStage<Void> publish(Messaging m, Map<String, Object> event) {
        return m.publish(new Message(m.topic("config/" + RemoteRequests.EVENTS), Json.bytes(event), 1, false, Optional.empty(),
                Optional.empty()));
    }

    /** A value as JSON holds it: arrays as lists. */
    private static Object listed(Object value) {
        if (value == null || !value.getClass().isArray()) {
            return value;
        }
        List<Object> list = new ArrayList<>();
        for (int i = 0; i < Array.getLength(value); i++) {
            list.add(Array.get(value, i));
        }
        return list;
    }

    private void save() {
        try {
            if (waiting.isEmpty()) {
                Files.deleteIfExists(file);
                return;
            }
            Map<String, Object> changes = new LinkedHashMap<>();
            waiting.forEach((pid, c) -> {
                Map<String, Object> change = new LinkedHashMap<>();
                change.put("revision", c.revision());
                change.put("before", c.before());
                change.put("requester", c.requester());
                changes.put(pid, change);
            });
            DurableFile.replace(file, out -> out.write(Json.bytes(Map.of("token", token, "changes", changes))));
        } catch (IOException e) {
            LOG.error("Remote configuration: cannot keep the changes waiting for confirmation in {}: {}; a restart would "
                    + "forget them", file, e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private void load() {
        try {
            Map<String, Object> kept = Json.object(Files.readAllBytes(file));
            for (Map.Entry<String, Object> e : ((Map<String, Object>) kept.get("changes")).entrySet()) {
                Map<String, Object> c = (Map<String, Object>) e.getValue();
                waiting.put(e.getKey(), new Change(((Number) c.get("revision")).longValue(),
                        new LinkedHashMap<>((Map<String, Object>) c.get("before")), (String) c.get("requester")));
            }
            token = Objects.requireNonNull((String) kept.get("token"), "no token");
            deadline = nanoTime.getAsLong() + probationNanos;
            LOG.info("Remote configuration: the change of {} is still to be confirmed; put back unless this gateway hears "
                    + "itself through the broker within {} s", String.join(", ", waiting.keySet()),
                    TimeUnit.NANOSECONDS.toSeconds(probationNanos));
        } catch (NoSuchFileException none) {
            // nothing waits
        } catch (IOException | RuntimeException e) {
            waiting.clear();
            LOG.error("Remote configuration: cannot read the changes waiting for confirmation in {}: {}; they are not "
                    + "put back", file, e.toString());
        }
    }
}
