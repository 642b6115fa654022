package dev.outrigger.remote;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.outrigger.config.Settings;
import dev.outrigger.config.SettingsException;
import dev.outrigger.framework.json.Json;
import dev.outrigger.messaging.Message;
import dev.outrigger.messaging.Messaging;

public class UplinkChangesTest {

    private static final String MQTT = "dev.outrigger.mqtt";

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private final MemorySettings settings = new MemorySettings();
    private final AtomicLong now = new AtomicLong();
    private Uplink uplink = new Uplink();
    private Path file;

    @Before
    public void configured() throws Exception {
        file = folder.getRoot().toPath().resolve("unconfirmed-configuration.json");
        settings.set(new Settings.Update(MQTT, Map.of("broker", "tcp://good:1883", "root", "fleet"), true, OptionalLong.empty(), "file"));
    }

    @Test
    public void twoChangesNotHeardBackPutBackTheValuesFromBeforeTheFirstAndTellIt() throws Exception {
        UplinkChanges changes = changes();
        remoteSet(changes, Map.of("broker", "tcp://typo:1883"));
        remoteSet(changes, Map.of("broker", "tcp://typo:8883", "keepAliveSeconds", 20L));
        remoteSet(changes, Map.of("clientId", "unwatched"), "dev.outrigger.bridge~stick");

        now.addAndGet(TimeUnit.SECONDS.toNanos(59));
        changes.tick();
        assertEquals("tcp://typo:8883", settings.current(MQTT).get("broker"));
        assertEquals("announced while it waits", "changed", uplink.lastEvent().get("event"));

        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        changes.tick();
        assertEquals(Map.of("broker", "tcp://good:1883", "root", "fleet"), settings.current(MQTT));
        assertEquals("unwatched", settings.current("dev.outrigger.bridge~stick").get("clientId"));
        Map<String, Object> told = uplink.lastEvent();
        assertEquals("rolledBack", told.get("event"));
        assertEquals(List.of("broker", "keepAliveSeconds"), told.get("properties"));
        assertFalse(Files.exists(file));
    }

    @Test
    public void aRollBackIsToldOnceWhileTheBrokerIsSlowAndAgainIfItNeverAnswered() throws Exception {
        UplinkChanges changes = changes();
        remoteSet(changes, Map.of("broker", "tcp://typo:1883"));
        uplink.answers = new CompletableFuture<>();
        now.addAndGet(TimeUnit.SECONDS.toNanos(60));
        changes.tick();
        changes.tick();
        changes.tick();
        assertEquals("told once while unanswered", 1, rollBacksTold());

        uplink.answers.completeExceptionally(new IllegalStateException("connection lost"));
        uplink.answers = CompletableFuture.completedFuture(null);
        changes.tick();
        assertEquals("told again after the failure", 2, rollBacksTold());
        changes.tick();
        assertEquals("and not after its acknowledgement", 2, rollBacksTold());
    }

    private long rollBacksTold() {
        return uplink.published.stream().filter(m -> new String(m.payload(), StandardCharsets.UTF_8).contains("rolledBack")).count();
    }

    @Test
    public void itsOwnAnnouncementHeardBackConfirmsTheChangeAndAnyOtherDoesNot() throws Exception {
        UplinkChanges changes = changes();
        remoteSet(changes, Map.of("broker", "tcp://new:1883"));
        changes.tick();
        Map<String, Object> announced = uplink.lastEvent();

        changes.heard("{\"event\": \"changed\", \"confirm\": \"someone else's\"}".getBytes(StandardCharsets.UTF_8));
        changes.heard("not json".getBytes(StandardCharsets.UTF_8));
        assertTrue(Files.exists(file));
        changes.heard(uplink.published.get(uplink.published.size() - 1).payload());
        assertEquals(List.of(MQTT), announced.get("pids"));
        assertFalse(Files.exists(file));

        now.addAndGet(TimeUnit.SECONDS.toNanos(120));
        changes.tick();
        assertEquals("tcp://new:1883", settings.current(MQTT).get("broker"));
    }

    @Test
    public void theConnectionStillOnTheValuesFromBeforeDoesNotAnnounceTheChange() throws Exception {
        UplinkChanges changes = changes();
        Uplink before = uplink;
        changes.apply(new Settings.Update(MQTT, Map.of("broker", "tcp://deaf:1883"), false, OptionalLong.empty(), "mqtt ops"));

        changes.tick();
        assertEquals("nothing through the connection the change replaces", List.of(), before.published);

        Uplink after = new Uplink();
        changes.messaging = after;
        changes.tick();
        assertEquals("changed", after.lastEvent().get("event"));
    }

    @Test
    public void aChangeMadeOnTheGatewayMeanwhileStays() throws Exception {
        UplinkChanges changes = changes();
        remoteSet(changes, Map.of("broker", "tcp://typo:1883"));
        settings.set(new Settings.Update(MQTT, Map.of("broker", "tcp://fixed:1883"), false, OptionalLong.empty(), "shell"));

        now.addAndGet(TimeUnit.SECONDS.toNanos(60));
        changes.tick();
        assertEquals("tcp://fixed:1883", settings.current(MQTT).get("broker"));
        assertFalse(Files.exists(file));
    }

    /** Replied to first, applied after: a change made on the gateway in between wins, and nothing waits. */
    @Test
    public void aChangeCheckedAgainstARevisionThatIsGoneIsNotApplied() throws Exception {
        UplinkChanges changes = changes();
        long checked = settings.get(MQTT).get(0).revision();
        settings.set(new Settings.Update(MQTT, Map.of("broker", "tcp://fixed:1883"), false, OptionalLong.empty(), "shell"));

        changes.apply(new Settings.Update(MQTT, Map.of("broker", "tcp://typo:1883"), false, OptionalLong.of(checked), "mqtt ops"));
        assertEquals("tcp://fixed:1883", settings.current(MQTT).get("broker"));
        assertFalse(Files.exists(file));
    }

    @Test
    public void aRestartForgetsNothingAndGivesAWholeProbationAgain() throws Exception {
        remoteSet(changes(), Map.of("broker", "tcp://typo:1883"));
        now.addAndGet(TimeUnit.SECONDS.toNanos(50));

        UplinkChanges restarted = changes();
        now.addAndGet(TimeUnit.SECONDS.toNanos(59));
        restarted.tick();
        assertEquals("tcp://typo:1883", settings.current(MQTT).get("broker"));
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        restarted.tick();
        assertEquals("tcp://good:1883", settings.current(MQTT).get("broker"));
    }

    @Test
    public void aRestartKeepsWhatWasUnsetAndValuesThatEndInABackslash() throws Exception {
        settings.set(new Settings.Update(MQTT, Map.of("caFile", "C:\\certs\\"), false, OptionalLong.empty(), "file"));
        remoteSet(changes(), Map.of("caFile", "/etc/ca.pem", "username", "gw"));

        UplinkChanges restarted = changes();
        now.addAndGet(TimeUnit.SECONDS.toNanos(60));
        restarted.tick();
        assertEquals(Map.of("broker", "tcp://good:1883", "root", "fleet", "caFile", "C:\\certs\\"), settings.current(MQTT));
    }

    /** The remote requests' configuration changed while a change waits: it is still watched, on the new probation. */
    @Test
    public void aShorterProbationCountsFromTheChangeAndNoneLetsItGo() throws Exception {
        UplinkChanges changes = changes();
        remoteSet(changes, Map.of("broker", "tcp://typo:1883"));
        now.addAndGet(TimeUnit.SECONDS.toNanos(20));
        changes.probation(30);
        now.addAndGet(TimeUnit.SECONDS.toNanos(9));
        changes.tick();
        assertEquals("tcp://typo:1883", settings.current(MQTT).get("broker"));
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        changes.tick();
        assertEquals("30 s after the change", "tcp://good:1883", settings.current(MQTT).get("broker"));

        remoteSet(changes, Map.of("broker", "tcp://typo:1883"));
        changes.probation(0);
        assertFalse("let go", Files.exists(file));
        now.addAndGet(TimeUnit.SECONDS.toNanos(3600));
        changes.tick();
        assertEquals("tcp://typo:1883", settings.current(MQTT).get("broker"));
        assertTrue(changes.confirmWithin(MQTT).isEmpty());
    }

    /** Declarative Services made a new one meanwhile, which read data/ before the change: no one would watch it. */
    @Test
    public void aChangeLeftToAStoppedInstanceIsNotApplied() throws Exception {
        UplinkChanges changes = changes();
        changes.deactivate();
        changes.apply(new Settings.Update(MQTT, Map.of("broker", "tcp://typo:1883"), false, OptionalLong.empty(), "mqtt ops"));
        assertEquals("tcp://good:1883", settings.current(MQTT).get("broker"));
        assertFalse(Files.exists(file));
    }

    @Test
    public void withoutProbationNothingWaits() throws Exception {
        UplinkChanges changes = new UplinkChanges(settings, 0, file, now::get);
        assertTrue(changes.confirmWithin(MQTT).isEmpty());
        assertEquals(OptionalLong.of(60), changes().confirmWithin(MQTT));
        assertTrue(changes().confirmWithin("dev.outrigger.bridge~stick").isEmpty());
    }

    private UplinkChanges changes() {
        UplinkChanges changes = new UplinkChanges(settings, 60, file, now::get);
        changes.messaging = uplink;
        return changes;
    }

    private void remoteSet(UplinkChanges changes, Map<String, Object> values) throws SettingsException {
        remoteSet(changes, values, MQTT);
    }

    private void remoteSet(UplinkChanges changes, Map<String, Object> values, String pid) throws SettingsException {
        changes.apply(new Settings.Update(pid, values, false, OptionalLong.empty(), "mqtt ops"));
        if (pid.equals(MQTT)) {
            // as Declarative Services does: the uplink's component made anew with the new values
            uplink = new Uplink();
            changes.messaging = uplink;
        }
    }

    /** Configurations by PID with a revision each, as ConfigAdmin counts changes. */
    private static final class MemorySettings implements Settings {
        private final Map<String, Map<String, Object>> values = new HashMap<>();
        private final Map<String, Long> revisions = new HashMap<>();

        Map<String, Object> current(String pid) {
            return values.getOrDefault(pid, Map.of());
        }

        @Override
        public List<Schema> schemas() {
            return List.of();
        }

        @Override
        public Optional<Schema> schema(String pid) {
            return Optional.empty();
        }

        @Override
        public List<Snapshot> get(String pid) {
            return List.of(new Snapshot(pid, Optional.empty(), revisions.getOrDefault(pid, 0L), Map.copyOf(current(pid)), Map.of()));
        }

        @Override
        public Snapshot check(Update update) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Snapshot set(Update update) throws SettingsException {
            if (update.revision().isPresent() && update.revision().getAsLong() != revisions.getOrDefault(update.pid(), 0L)) {
                throw new SettingsException(SettingsException.Kind.CONFLICT, "changed meanwhile");
            }
            Map<String, Object> next = update.replace() ? new LinkedHashMap<>() : new LinkedHashMap<>(current(update.pid()));
            update.values().forEach((k, v) -> {
                if (v == null) {
                    next.remove(k);
                } else {
                    next.put(k, v);
                }
            });
            values.put(update.pid(), next);
            revisions.merge(update.pid(), 1L, Long::sum);
            return get(update.pid()).get(0);
        }

        @Override
        public void delete(String pid, String requester) {
            values.remove(pid);
        }

        @Override
        public List<String> problems() {
            return List.of();
        }
    }

    /** A connected uplink that keeps what is published. */
    private static final class Uplink implements Messaging {
        final List<Message> published = new ArrayList<>();
        /** How the broker answers each publication: at once unless a test says otherwise. */
        CompletableFuture<Void> answers = CompletableFuture.completedFuture(null);

        Map<String, Object> lastEvent() {
            return Json.object(published.get(published.size() - 1).payload());
        }

        @Override
        public String gatewayId() {
            return "gw";
        }

        @Override
        public String topic(String relative) {
            return "fleet/gw/" + relative;
        }

        @Override
        public String fleetTopic(String relative) {
            return "fleet/" + relative;
        }

        @Override
        public CompletionStage<Void> publish(Message message) {
            assertEquals("fleet/gw/config/events", message.topic());
            published.add(message);
            return answers;
        }

        @Override
        public AutoCloseable subscribe(String filter, int qos, Consumer<Message> handler) {
            return () -> { };
        }

        @Override
        public boolean isConnected() {
            return true;
        }
    }
}
