package dev.outrigger.broker;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.framework.logging.Outage;
import dev.outrigger.framework.store.StoreFile;

/**
 * What the broker keeps on disk, as mosquitto's persistence does, so that it outlives a restart of
 * the broker, an update of its bundle and a reboot (H2 MVStore, committed in the background within
 * a second):
 * <ul>
 * <li>the retained messages, written through as they change: Home Assistant's discovery topics and
 * the last known states zigbee2mqtt published are still there when the gateway comes back;
 * <li>the persistent sessions, saved every few seconds (those that changed) and when the broker
 * stops: a client that asked for its session to be kept finds its subscriptions, and the QoS 1
 * messages it had not received, after the gateway restarted, even when the process was killed or
 * the power cut (then as of the last save: as mosquitto's autosave, only more often).
 * </ul>
 * A write that fails (a full disk) closes the store: the broker runs on from memory, and the next
 * save opens the file again and writes all it holds, once it can.
 */
final class BrokerStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerStore.class);

    private final Path file;
    private final Outage writes = new Outage();
    private volatile MVStore store;
    private MVMap<String, byte[]> messages;
    private MVMap<String, byte[]> sessions;

    private BrokerStore(Path file, MVStore store) {
        this.file = file;
        use(store);
    }

    private void use(MVStore opened) {
        this.store = opened;
        this.messages = opened == null ? null : opened.openMap("retained");
        this.sessions = opened == null ? null : opened.openMap("sessions");
    }

    /** Keeps nothing: retained messages and sessions live as long as the broker. */
    static BrokerStore none() {
        return new BrokerStore(null, null);
    }

    /** The store in the file; one that cannot be read is moved aside (one log line) and a new one begun. */
    static BrokerStore open(Path file) {
        try {
            BrokerStore kept = new BrokerStore(file, null);
            StoreFile.Opened opened = StoreFile.open(file, kept::reportingFailures);
            opened.keptAside().ifPresent(aside -> LOG.warn("Embedded MQTT broker: the retained messages and sessions in {} cannot "
                    + "be read ({}); moved to {}, starting without them", file, opened.damage(), aside));
            kept.use(opened.store());
            return kept;
        } catch (IOException | MVStoreException e) {
            LOG.warn("Embedded MQTT broker: cannot keep retained messages and sessions in {} ({}); they last until the broker "
                    + "stops", file, e.getMessage());
            return none();
        }
    }

    /** What was retained, as messages received now; those expired meanwhile or unreadable are dropped. */
    List<Publication> retained() {
        List<Publication> loaded = new ArrayList<>();
        if (messages == null) {
            return loaded;
        }
        for (var entry : messages.entrySet()) {
            try {
                Publication p = StoredForm.retained(entry.getKey(), entry.getValue());
                if (p == null) {
                    messages.remove(entry.getKey());
                } else {
                    loaded.add(p);
                }
            } catch (IOException e) {
                LOG.warn("Embedded MQTT broker: the retained message of {} cannot be read ({}); dropped", entry.getKey(),
                        e.getMessage());
                messages.remove(entry.getKey());
            }
        }
        return loaded;
    }

    /**
     * MVStore commits in the background: a failure there is said here, not as a stack trace. One
     * while the first file opens is its caller's to say (one that cannot be read is moved aside).
     */
    private MVStore.Builder reportingFailures(MVStore.Builder builder) {
        return builder.backgroundExceptionHandler((thread, e) -> {
            if (store != null) {
                failed(e);
            }
        });
    }

    synchronized void put(Publication p) {
        if (messages != null && !store.isClosed()) {
            try {
                messages.put(p.topic(), StoredForm.retained(p));
            } catch (MVStoreException e) {
                failed(e);
            }
        }
    }

    synchronized void remove(String topic) {
        if (messages != null && !store.isClosed()) {
            try {
                messages.remove(topic);
            } catch (MVStoreException e) {
                failed(e);
            }
        }
    }

    private void failed(Throwable e) {
        String why = StoreFile.failure(e);
        writes.failed(n -> LOG.warn("Embedded MQTT broker: cannot write {}{} ({}); the broker runs on from memory and writes "
                + "all it holds once it can", file, Outage.times(n), why));
    }

    /** Whether it keeps anything on disk. */
    boolean persistent() {
        return file != null;
    }

    /** Whether a failure closed the store, so that it must be written anew. */
    synchronized boolean broken() {
        return store != null && store.isClosed();
    }

    /** After a failure: the file opened again, and the retained messages and sessions written as they are now. */
    synchronized void rewrite(Collection<Publication> retained, Collection<Session> kept) {
        try {
            store.closeImmediately();
            use(StoreFile.open(file, this::reportingFailures).store());
            messages.clear();
            for (Publication p : retained) {
                messages.put(p.topic(), StoredForm.retained(p));
            }
            sessions.clear();
            sessions(kept);
        } catch (IOException | MVStoreException e) {
            failed(e);
        }
    }

    /** The sessions as last saved; those that ended meanwhile or are unreadable are left out. */
    List<Session> sessions() {
        List<Session> loaded = new ArrayList<>();
        if (sessions == null) {
            return loaded;
        }
        for (var entry : sessions.entrySet()) {
            try {
                Session s = StoredForm.session(entry.getKey(), entry.getValue());
                if (s != null) {
                    loaded.add(s);
                }
            } catch (IOException e) {
                LOG.warn("Embedded MQTT broker: the session of {} cannot be read ({}); its client starts a new one",
                        entry.getKey(), e.getMessage());
            }
        }
        return loaded;
    }

    /** Replaces the sessions kept with these, writing only those that changed, and nothing when none did. */
    synchronized void sessions(Collection<Session> kept) {
        if (sessions == null || store.isClosed()) {
            return;
        }
        try {
            Set<String> ids = new HashSet<>();
            for (Session s : kept) {
                ids.add(s.clientId());
                byte[] form = StoredForm.session(s);
                if (!Arrays.equals(form, sessions.get(s.clientId()))) {
                    sessions.put(s.clientId(), form);
                }
            }
            for (String id : List.copyOf(sessions.keySet())) {
                if (!ids.contains(id)) {
                    sessions.remove(id);
                }
            }
            if (store.hasUnsavedChanges()) {
                store.commit();
                store.sync(); // on the disk, not only in the page cache: a power cut keeps it too
            }
            writes.worked(() -> LOG.info("Embedded MQTT broker: {} written again", file));
        } catch (MVStoreException e) {
            failed(e);
        }
    }

    /** For {@code broker:status}. */
    @Override
    public String toString() {
        return file == null ? "no: retained messages and sessions last as long as the broker"
                : "in " + file + " (retained messages as they change, sessions when changed, every few seconds, and at stop)";
    }

    @Override
    public synchronized void close() {
        if (store != null) {
            try {
                store.close();
            } catch (MVStoreException e) {
                failed(e); // what could not be written stays lost: it was said when it failed
            }
        }
    }
}
