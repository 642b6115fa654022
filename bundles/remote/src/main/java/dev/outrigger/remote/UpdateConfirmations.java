package dev.outrigger.remote;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.framework.json.Json;
import dev.outrigger.framework.threads.Daemons;
import dev.outrigger.framework.updates.UnconfirmedUpdates;
import dev.outrigger.framework.updates.UnconfirmedUpdates.Outcome;
import dev.outrigger.framework.updates.UnconfirmedUpdates.Update;

/**
 * Announces each remote update of a bundle remote requests travel through on
 * {@code bundles/events}, and confirms it when the announcement comes back through the broker:
 * the proof that with the new release the gateway still hears requests and can answer them.
 * Whatever version of this bundle runs does it, so an update of this bundle is confirmed by the
 * new release. What the launcher rolled back, unconfirmed, is announced here too.
 * <p>
 * Only updates that were waiting when this instance was made are announced and confirmed by it:
 * an update is written down before the jar is replaced, so the instance running then is the old
 * release's (or runs on the old revision of a library until the refresh), and its hearing itself
 * would prove nothing about the new one. Every update of a channel bundle makes a new instance:
 * the component restarts with the bundle, its Messaging or its wiring.
 */
final class UpdateConfirmations implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(UpdateConfirmations.class);
    private static final long EVERY_SECONDS = 2;
    /** Far more than an announcement takes: a larger message on the topic is someone else's. */
    private static final int MAX_EVENT_BYTES = 4096;

    private final UnconfirmedUpdates updates;
    private final Function<Map<String, Object>, CompletionStage<Void>> events;
    private final BooleanSupplier connected;
    private final Announcer announcer = new Announcer();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Daemons.named("outrigger-remote-confirmations"));
    /** The tokens of the updates waiting when this instance was made: the ones it may prove. */
    private final Set<String> provable;

    /** @param events publishes on {@code bundles/events} */
    UpdateConfirmations(UnconfirmedUpdates updates, Function<Map<String, Object>, CompletionStage<Void>> events,
            BooleanSupplier connected) {
        this(updates, events, connected, true);
    }

    /** Without its timer, tests call {@link #announce()}. */
    UpdateConfirmations(UnconfirmedUpdates updates, Function<Map<String, Object>, CompletionStage<Void>> events,
            BooleanSupplier connected, boolean timed) {
        this.updates = updates;
        this.events = events;
        this.connected = connected;
        this.provable = updates.waiting().stream().map(Update::token).collect(Collectors.toUnmodifiableSet());
        if (timed) {
            timer.scheduleWithFixedDelay(this::announce, 0, EVERY_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** Until heard back: a publication lost while the broker was away is made again. */
    void announce() {
        if (!connected.getAsBoolean()) {
            return;
        }
        try {
            for (Update u : updates.waiting()) {
                if (!provable.contains(u.token())) {
                    continue; // written down under this instance: the release it proves is still to come
                }
                Map<String, Object> event = event("updated", u.symbolicName(), u.version(), u.previousVersion());
                event.put("confirm", u.token());
                events.apply(event);
            }
            for (Outcome o : updates.outcomes()) {
                Map<String, Object> event = event(o.event(), o.symbolicName(), o.version(), o.previousVersion());
                event.put("reason", o.reason());
                if (!o.error().isEmpty()) {
                    event.put("error", o.error());
                }
                announcer.tell(o, () -> events.apply(event), () -> updates.announced(o));
            }
        } catch (RuntimeException e) {
            LOG.warn("Remote bundles: cannot announce the updates waiting for confirmation: {}", e.toString());
        }
    }

    /** A message on {@code bundles/events}: this gateway's own announcement, come back, confirms its update. */
    void heard(byte[] payload) {
        if (payload.length > MAX_EVENT_BYTES) {
            return; // not ours
        }
        Map<String, Object> event;
        try {
            event = Json.object(payload);
        } catch (IllegalArgumentException e) {
            return; // not ours either
        }
        if ("updated".equals(event.get("event")) && event.get("symbolicName") instanceof String name
                && event.get("confirm") instanceof String token && provable.contains(token) && updates.confirm(name, token)) {
            LOG.info("Remote bundles: the update of {} to {} is confirmed: this gateway hears itself through the broker",
                    name, event.get("version"));
        }
    }

    private static Map<String, Object> event(String kind, String symbolicName, String version, String previousVersion) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("event", kind);
        event.put("symbolicName", symbolicName);
        event.put("version", version);
        event.put("previousVersion", previousVersion);
        return event;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
