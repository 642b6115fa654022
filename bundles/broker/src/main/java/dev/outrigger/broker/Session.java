package dev.outrigger.broker;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the broker keeps of a client beyond one connection when it asks for a persistent session
 * (MQTT 3 clean session off, MQTT 5 a session expiry interval): its subscriptions, the QoS 1
 * messages it had not acknowledged when the connection ended, and those its filters match while it
 * is away, up to a bound (beyond, dropped and counted). Kept in memory until it expires, and in the
 * {@link BrokerStore} as of its last save (every few seconds, and when the broker stops). Used on
 * the broker's event loop; the subscriptions are read by the shell too.
 */
final class Session {

    /** {@link #endsNanos} of a session saved while its client was connected. */
    static final long CONNECTED = Long.MAX_VALUE;

    private final String clientId;
    /** The user name its client connected with last; null without one. */
    private volatile String user;
    private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    /** Sent and not acknowledged when the connection ended: sent again first, with their packet ids. */
    private final Map<Integer, Delivery.Outgoing> unacknowledged = new LinkedHashMap<>();
    private final ArrayDeque<Delivery.Outgoing> waiting = new ArrayDeque<>();
    private long expirySeconds;
    private long endsNanos;
    private long dropped;

    Session(String clientId, long expirySeconds) {
        this.clientId = clientId;
        this.expirySeconds = expirySeconds;
    }

    String clientId() {
        return clientId;
    }

    String user() {
        return user;
    }

    void user(String name) {
        user = name;
    }

    Map<String, Subscription> subscriptions() {
        return subscriptions;
    }

    /** How long the session outlives its connection, in seconds; 0: it ends with it. */
    long expirySeconds() {
        return expirySeconds;
    }

    void expirySeconds(long seconds) {
        expirySeconds = seconds;
    }

    /**
     * The message as this client receives it: once however many of its filters match, at the
     * highest of their QoS, with all their subscription identifiers; null when none matches.
     */
    Delivery.Outgoing match(String fromClientId, Publication message) {
        int qos = -1;
        boolean retainAsPublished = false;
        List<Integer> identifiers = List.of();
        for (Subscription s : subscriptions.values()) {
            if ((s.noLocal() && clientId.equals(fromClientId)) || !Topics.matches(s.filter(), message.topic())) {
                continue;
            }
            qos = Math.max(qos, Math.min(message.qos(), s.qos()));
            retainAsPublished |= s.retainAsPublished();
            if (s.identifier() != 0) {
                if (identifiers.isEmpty()) {
                    identifiers = new ArrayList<>(2);
                }
                identifiers.add(s.identifier());
            }
        }
        return qos < 0 ? null : new Delivery.Outgoing(message, qos, retainAsPublished && message.retain(), identifiers);
    }

    /** The connection ended: what it had not finished waits here until the session expires. */
    void park(Map<Integer, Delivery.Outgoing> inflight, List<Delivery.Outgoing> queued, long nowNanos) {
        parkUntil(inflight, queued, nowNanos + expirySeconds * 1_000_000_000L);
    }

    void parkUntil(Map<Integer, Delivery.Outgoing> inflight, List<Delivery.Outgoing> queued, long endsNanos) {
        unacknowledged.putAll(inflight);
        waiting.addAll(queued);
        this.endsNanos = endsNanos;
    }

    /**
     * A copy of this session of a connected client, as it would be parked now, for the store:
     * ending {@link #CONNECTED}.
     */
    Session whileConnected(Map<Integer, Delivery.Outgoing> inflight, List<Delivery.Outgoing> queued) {
        Session copy = new Session(clientId, expirySeconds);
        copy.user = user;
        copy.subscriptions.putAll(subscriptions);
        copy.parkUntil(inflight, queued, CONNECTED);
        return copy;
    }

    /** When it ends, once parked ({@link System#nanoTime}). */
    long endsNanos() {
        return endsNanos;
    }

    /** Sent and not acknowledged when the connection ended, by packet id; read-only. */
    Map<Integer, Delivery.Outgoing> unacknowledged() {
        return Collections.unmodifiableMap(unacknowledged);
    }

    /** Matched while its client was away; read-only. */
    Collection<Delivery.Outgoing> waitingMessages() {
        return Collections.unmodifiableCollection(waiting);
    }

    /** A message for the absent client: QoS 1 waits (within the bound), QoS 0 is not kept. */
    boolean keep(Delivery.Outgoing outgoing, int maxWaiting) {
        if (outgoing.qos() == 0) {
            return true;
        }
        if (unacknowledged.size() + waiting.size() >= maxWaiting) {
            dropped++;
            return false;
        }
        waiting.add(outgoing);
        return true;
    }

    boolean expired(long nowNanos) {
        return nowNanos - endsNanos > 0;
    }

    /** Hands what waited to the new connection, unacknowledged first. */
    void resumeInto(Delivery delivery) {
        delivery.resend(unacknowledged);
        unacknowledged.clear();
        while (!waiting.isEmpty()) {
            delivery.send(waiting.poll());
        }
    }

    int waiting() {
        return unacknowledged.size() + waiting.size();
    }

    long dropped() {
        return dropped;
    }
}
