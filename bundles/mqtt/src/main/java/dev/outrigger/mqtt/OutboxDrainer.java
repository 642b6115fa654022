package dev.outrigger.mqtt;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.framework.logging.OncePerMinute;
import dev.outrigger.framework.threads.Daemons;
import dev.outrigger.messaging.Message;
import dev.outrigger.outbox.Outbox;

/**
 * Publishes the outbox in order, with at most {@code inflight} records unacknowledged, and
 * deletes each record only once the broker acknowledged it. After a reconnect it starts again
 * from the oldest record still there, so what was in flight is sent again: at least once.
 * <p>
 * A broker may end the connection over a record instead of refusing it in its acknowledgement
 * (mosquitto's {@code message_size_limit} answers with a code the client takes for a protocol
 * error; some cloud brokers close the connection on a publication their policy denies): sent
 * again after every reconnect, it would hold up everything behind it for ever. So after a
 * connection ended with records unacknowledged, the oldest goes out alone; a record alone in
 * flight when the connection ended within seconds of it, on a connection whose broker had
 * acknowledged what went before (the status), twice in a row, is dropped, counted and logged
 * like a refused one.
 * <p>
 * A record the broker refuses for good (a topic or payload it never takes) is dropped, since
 * retrying it would hold up everything behind it. One refused for a reason that may pass (its ACL:
 * a new client whose rights are not granted yet; a quota) stays in the outbox, held back while the
 * records behind it go on: every {@code reconnectMaxMillis} the oldest of each topic is offered
 * again, and once the broker takes a record of the topic (that one, or a new one), the others
 * follow. A reconnect offers all again.
 */
@Component(service = OutboxDrainer.class, immediate = true, configurationPid = MqttConnection.PID)
public class OutboxDrainer {

    private static final Logger LOG = LoggerFactory.getLogger(OutboxDrainer.class);
    /** How soon after a record went out alone the connection must have ended to count against it, and how often. */
    private static final long SUSPECT_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final int STRIKES = 2;
    /** Of the topics the broker takes again, those named in the log line. */
    private static final int TOPICS_NAMED = 3;

    private final MqttConnection connection;
    private final Outbox outbox;
    private final int inflight;
    /** Replaced on every reconnect (Paho does not complete the tokens of a connection that died) and when it grows again. */
    private volatile Semaphore window;
    private final AtomicLong generation = new AtomicLong();
    private final OncePerMinute refusals = new OncePerMinute();
    /** The window's size: {@code inflight}, or 1 while feeling the way after a connection ended. Drain thread's. */
    private int size;
    /**
     * Records sent on the current connection and neither acknowledged nor refused: a new count on
     * each, so that an answer that comes after its connection was given up counts against none.
     */
    private volatile AtomicInteger unanswered = new AtomicInteger();
    /** Set when the record sent alone is acknowledged: the full window again. */
    private volatile boolean aloneAcknowledged;
    /** The record sent alone, and when. Drain thread's but for the sequence, read on acknowledgement. */
    private volatile Outbox.Entry alone;
    private long aloneSentAt;
    /** The record connections ended over, and how many in a row. Drain thread's. */
    private long suspect = -1;
    private int strikes;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long cursor;
    private final HeldBack heldBack = new HeldBack();
    private final OncePerMinute holdings = new OncePerMinute();
    /** When the held-back records are next offered again ({@link System#nanoTime()}). Drain thread's. */
    private long offerAgainAt;
    /** Notified on every (re)connect, which also starts the drain over from the oldest record. */
    private final Object reconnected = new Object();
    private final Runnable restart = () -> {
        generation.incrementAndGet();
        synchronized (reconnected) {
            reconnected.notifyAll();
        }
    };

    @Activate
    public OutboxDrainer(@Reference MqttConnection connection, @Reference Outbox outbox, MqttConfig config) {
        this.connection = connection;
        this.outbox = outbox;
        this.inflight = config.inflight();
        this.size = inflight;
        this.window = new Semaphore(inflight);
        this.offerAgainAt = System.nanoTime();
        connection.onConnect(restart);
        thread = Daemons.start("outrigger-mqtt-drain", this::drain);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        running = false;
        connection.removeOnConnect(restart);
        thread.interrupt();
        thread.join(5_000);
    }

    private void drain() {
        long seenGeneration = -1;
        while (running) {
            try {
                if (!connection.isConnected()) {
                    // idle while the link is down (a vehicle may be offline for days): woken by the
                    // reconnect, the timeout only a safety net
                    synchronized (reconnected) {
                        if (!connection.isConnected()) {
                            reconnected.wait(1_000);
                        }
                    }
                    continue;
                }
                long current = generation.get();
                if (current != seenGeneration) {
                    seenGeneration = current;
                    cursor = 0; // from the oldest record not yet deleted, those held back too
                    heldBack.clear();
                    boolean unacknowledged = unanswered.get() > 0;
                    unanswered = new AtomicInteger();
                    if (size == 1 && unacknowledged) {
                        countAgainstTheRecordSentAlone();
                    }
                    size = unacknowledged ? 1 : inflight;
                    aloneAcknowledged = false;
                    window = new Semaphore(size);
                } else if (size == 1 && aloneAcknowledged) {
                    size = inflight; // the record that went alone went through: the way is clear
                    window = new Semaphore(size);
                }
                Semaphore permits = window;
                offerTakenAgain(current, permits);
                if (System.nanoTime() - offerAgainAt >= 0) {
                    offerAgainAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(connection.offerAgainMillis());
                    offerHeldBackAgain(current, permits);
                }
                int free = Math.max(1, permits.availablePermits());
                List<Outbox.Entry> entries = outbox.read(cursor, free, 200, TimeUnit.MILLISECONDS);
                for (Outbox.Entry e : entries) {
                    if (!permits.tryAcquire(1, TimeUnit.SECONDS) || generation.get() != current) {
                        break; // connection trouble: start over after the reconnect
                    }
                    cursor = e.sequence();
                    if (size == 1) {
                        alone = e;
                        aloneSentAt = System.nanoTime();
                    }
                    publish(e, current, permits);
                }
            } catch (InterruptedException stopped) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("MQTT: draining the outbox: {}", e.toString());
            }
        }
    }

    /** The connection ended while the record sent alone waited for its acknowledgement: soon after, and twice, it goes. */
    private void countAgainstTheRecordSentAlone() {
        OptionalLong lost = connection.lostAfterAnAcknowledgementAt();
        Outbox.Entry e = alone;
        if (e == null || lost.isEmpty() || lost.getAsLong() < aloneSentAt || lost.getAsLong() - aloneSentAt > SUSPECT_NANOS) {
            return; // a link that went away, or a broker that takes nothing, not one that ended the connection over the record
        }
        strikes = e.sequence() == suspect ? strikes + 1 : 1;
        suspect = e.sequence();
        if (strikes == STRIKES) {
            connection.countRefused();
            refusals.occurred(n -> LOG.warn("MQTT: record {} for {} ({} bytes) dropped: the broker ended the connection each of the "
                    + "{} times it was sent (larger than it takes, as mosquitto's message_size_limit, or on a topic its policy "
                    + "denies){}", e.sequence(), connection.topic(e.record().topic()), e.record().payload().length, STRIKES,
                    n > 1 ? " (" + n + " refused and dropped since the last such line, all counted in mqtt:status)" : ""));
            outbox.delete(e.sequence());
            suspect = -1;
        }
    }

    /** The oldest held-back record of each topic goes out again: a probe whether the broker takes its topic now. */
    private void offerHeldBackAgain(long current, Semaphore permits) throws InterruptedException {
        for (Map.Entry<String, NavigableSet<Long>> topic : heldBack.withoutProbe().entrySet()) {
            for (Long sequence : topic.getValue()) {
                Outbox.Entry e = stillThere(sequence);
                if (e == null) {
                    heldBack.forget(topic.getKey(), sequence); // dropped by the outbox's limits meanwhile
                    continue;
                }
                if (!acquire(permits, current)) {
                    return;
                }
                heldBack.probing(topic.getKey(), sequence);
                publish(e, current, permits);
                break;
            }
        }
    }

    /** The broker took a record of a topic held back: the others go out now, behind it; said in one line for all. */
    private void offerTakenAgain(long current, Semaphore permits) throws InterruptedException {
        List<String> topics = new ArrayList<>();
        List<Long> released = new ArrayList<>();
        for (String topic = heldBack.pollTakenAgain(); topic != null; topic = heldBack.pollTakenAgain()) {
            topics.add(topic);
            released.addAll(heldBack.release(topic));
        }
        if (topics.isEmpty()) {
            return;
        }
        LOG.info("MQTT: the broker takes records for {}{} again: the {} others held back go out now",
                String.join(", ", topics.subList(0, Math.min(TOPICS_NAMED, topics.size()))),
                topics.size() > TOPICS_NAMED ? " and " + (topics.size() - TOPICS_NAMED) + " more topics" : "", released.size());
        for (long sequence : released) {
            Outbox.Entry e = stillThere(sequence);
            if (e != null) {
                if (!acquire(permits, current)) {
                    return; // the reconnect offers them again
                }
                publish(e, current, permits);
            }
        }
    }

    private Outbox.Entry stillThere(long sequence) throws InterruptedException {
        List<Outbox.Entry> entries = outbox.read(sequence - 1, 1, 0, TimeUnit.MILLISECONDS);
        return entries.isEmpty() || entries.get(0).sequence() != sequence ? null : entries.get(0);
    }

    /** A place in the window, waiting while the broker answers; false when the connection ended meanwhile. */
    private boolean acquire(Semaphore permits, long current) throws InterruptedException {
        while (!permits.tryAcquire(1, TimeUnit.SECONDS)) {
            if (generation.get() != current || !running) {
                return false;
            }
        }
        return generation.get() == current;
    }

    /** Records held back now, for mqtt:status. */
    int heldBack() {
        return heldBack.size();
    }

    private void publish(Outbox.Entry e, long publishedIn, Semaphore permits) {
        AtomicInteger answersDue = unanswered;
        answersDue.incrementAndGet();
        String topic = connection.topic(e.record().topic());
        // one held back and sent late goes without retain where a newer one of its topic was taken
        boolean retained = e.record().retained() && heldBack.newest(topic, e.sequence());
        Message m = new Message(topic, e.record().payload(), e.record().qos(), retained, Optional.empty(), Optional.empty());
        connection.publish(m).whenComplete((ok, error) -> {
            if (error != null && !(error instanceof MqttConnection.RefusedException)) {
                // the connection is gone: over from the oldest once connected again. Said before the place frees,
                // so that nothing more goes out on it, where a record sent alone would be taken for the one it ended over
                heldBack.unanswered(topic, e.sequence());
                if (generation.compareAndSet(publishedIn, publishedIn + 1)) {
                    LOG.debug("MQTT: publish of record {} failed ({}); sending again from the oldest", e.sequence(),
                            error.getMessage());
                }
                permits.release();
                return;
            }
            permits.release();
            answersDue.decrementAndGet();
            if (error == null) {
                aloneAcknowledged = e == alone;
                outbox.delete(e.sequence());
                heldBack.taken(topic, e.sequence());
            } else if (error instanceof MqttConnection.RefusedException refused && refused.mayPass()) {
                heldBack.refused(topic, e.sequence());
                holdings.occurred(n -> LOG.warn("MQTT: record {} for {} held back: {}; it stays in the outbox, offered again "
                        + "every {}, while the records behind it go on{}", e.sequence(), topic, refused.getMessage(),
                        MqttConnection.duration(connection.offerAgainMillis()),
                        n > 1 ? " (" + n + " refused and held back since the last such line)" : ""));
            } else if (error instanceof MqttConnection.RefusedException refused) {
                // retrying would only block everything behind it; a broker that refuses a whole topic
                // refuses every record for it, so this says so once a minute, not once a record
                refusals.occurred(n -> LOG.warn("MQTT: record {} for {} dropped: {}{}", e.sequence(), topic, refused.getMessage(),
                        n > 1 ? " (" + n + " refused and dropped since the last such line, all counted in mqtt:status)" : ""));
                outbox.delete(e.sequence());
            }
        });
    }
}
