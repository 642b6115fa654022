package dev.outrigger.mqtt;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * Records the broker refused for a reason that may pass (its ACL, a quota), by topic: they stay in
 * the outbox, and the oldest of each topic is offered again now and then as a probe; once the
 * broker takes a record of the topic (the probe, or a new one), the others follow. A record older than one of its topic the broker
 * took meanwhile goes without retain, so that the retained value stays the newest.
 */
final class HeldBack {

    private static final class Topic {
        final NavigableSet<Long> sequences = new ConcurrentSkipListSet<>();
        /** The record out as a probe, -1 for none. */
        volatile long probe = -1;
        /** The newest record of the topic the broker took, -1 for none yet. */
        volatile long newestTaken = -1;
    }

    private final Map<String, Topic> topics = new ConcurrentHashMap<>();
    private final Set<String> takenAgain = ConcurrentHashMap.newKeySet();

    void refused(String topic, long sequence) {
        Topic t = topics.computeIfAbsent(topic, k -> new Topic());
        t.sequences.add(sequence);
        if (t.probe == sequence) {
            t.probe = -1;
        }
    }

    /** The broker took a record: its topic is taken again, whether the record was a probe or a new one. */
    void taken(String topic, long sequence) {
        Topic t = topics.get(topic);
        if (t == null) {
            return;
        }
        t.newestTaken = Math.max(t.newestTaken, sequence);
        t.sequences.remove(sequence);
        if (t.probe == sequence) {
            t.probe = -1;
        }
        if (!t.sequences.isEmpty()) {
            takenAgain.add(topic);
        }
    }

    /** No answer (the connection ended): the topic may have another probe. */
    void unanswered(String topic, long sequence) {
        Topic t = topics.get(topic);
        if (t != null && t.probe == sequence) {
            t.probe = -1;
        }
    }

    /** The held records of each topic without a probe out, oldest first. */
    Map<String, NavigableSet<Long>> withoutProbe() {
        Map<String, NavigableSet<Long>> due = new TreeMap<>();
        topics.forEach((topic, t) -> {
            if (t.probe < 0 && !t.sequences.isEmpty()) {
                due.put(topic, t.sequences);
            }
        });
        return due;
    }

    void probing(String topic, long sequence) {
        topics.get(topic).probe = sequence;
    }

    /** The record is gone from the outbox (its limits dropped it). */
    void forget(String topic, long sequence) {
        Topic t = topics.get(topic);
        if (t != null) {
            t.sequences.remove(sequence);
        }
    }

    /** A topic the broker took a probe of, whose other records now go out; null when there is none. */
    String pollTakenAgain() {
        for (String topic : takenAgain) {
            if (takenAgain.remove(topic)) {
                return topic;
            }
        }
        return null;
    }

    /** The records of a topic, oldest first, no longer held: they go out now (all but a probe still out). */
    List<Long> release(String topic) {
        Topic t = topics.get(topic);
        List<Long> released = new ArrayList<>();
        if (t != null) {
            for (Long sequence : t.sequences) {
                if (sequence != t.probe && t.sequences.remove(sequence)) { // a probe out is answered by itself
                    released.add(sequence);
                }
            }
        }
        return released;
    }

    /** Whether a held record may go retained: no newer record of its topic was taken. */
    boolean newest(String topic, long sequence) {
        Topic t = topics.get(topic);
        return t == null || t.newestTaken < sequence;
    }

    int size() {
        return topics.values().stream().mapToInt(t -> t.sequences.size()).sum();
    }

    /** A reconnect offers every record again from the oldest; what the broker took is remembered. */
    void clear() {
        topics.values().forEach(t -> {
            t.sequences.clear();
            t.probe = -1;
        });
        takenAgain.clear();
    }
}
