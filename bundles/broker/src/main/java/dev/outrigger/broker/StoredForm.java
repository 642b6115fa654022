package dev.outrigger.broker;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.BinaryProperty;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttProperty;
import io.netty.handler.codec.mqtt.MqttProperties.StringPair;
import io.netty.handler.codec.mqtt.MqttProperties.StringProperty;
import io.netty.handler.codec.mqtt.MqttProperties.UserProperties;

/**
 * How the {@link BrokerStore} writes retained messages and sessions: a format byte first, and
 * every expiry as wall-clock time, since {@link System#nanoTime} does not survive a restart.
 */
final class StoredForm {

    private static final byte FORMAT = 1;
    private static final long NEVER = -1;
    /** The end of a session whose client was connected when it was written: its expiry after the next start. */
    private static final long AFTER_NEXT_START = -1;

    private StoredForm() {
    }

    private interface Writing {
        void to(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Writing writing) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            writing.to(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory: cannot happen
        }
        return bytes.toByteArray();
    }

    private static DataInputStream reading(byte[] data) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        if (in.readByte() != FORMAT) {
            throw new IOException("unknown format");
        }
        return in;
    }

    static byte[] retained(Publication p) {
        return write(out -> publication(out, p));
    }

    /** @return null if it expired while the broker was down */
    static Publication retained(String topic, byte[] data) throws IOException {
        return publication(reading(data), topic, true);
    }

    /**
     * Its subscriptions, the messages sent and not acknowledged (with their packet ids) and those
     * waiting, and when it ends ({@link Session#CONNECTED}: its expiry after the next start).
     */
    static byte[] session(Session s) {
        return write(out -> {
            out.writeBoolean(s.user() != null);
            if (s.user() != null) {
                out.writeUTF(s.user());
            }
            out.writeLong(s.expirySeconds());
            out.writeLong(s.endsNanos() == Session.CONNECTED ? AFTER_NEXT_START : wallClock(s.endsNanos()));
            Collection<Subscription> subscriptions = s.subscriptions().values();
            out.writeInt(subscriptions.size());
            for (Subscription sub : subscriptions) {
                out.writeUTF(sub.filter());
                out.writeByte(sub.qos());
                out.writeBoolean(sub.noLocal());
                out.writeBoolean(sub.retainAsPublished());
                out.writeInt(sub.identifier());
            }
            out.writeInt(s.unacknowledged().size());
            for (Map.Entry<Integer, Delivery.Outgoing> e : s.unacknowledged().entrySet()) {
                out.writeShort(e.getKey());
                outgoing(out, e.getValue());
            }
            out.writeInt(s.waitingMessages().size());
            for (Delivery.Outgoing o : s.waitingMessages()) {
                outgoing(out, o);
            }
        });
    }

    /** @return null if it ended while the broker was down; its messages that expired meanwhile are left out */
    static Session session(String clientId, byte[] data) throws IOException {
        DataInputStream in = reading(data);
        String user = in.readBoolean() ? in.readUTF() : null;
        long expirySeconds = in.readLong();
        long ends = in.readLong();
        long endsNanos = ends == AFTER_NEXT_START ? System.nanoTime() + TimeUnit.SECONDS.toNanos(expirySeconds) : monotonic(ends);
        if (endsNanos == Long.MIN_VALUE) {
            return null;
        }
        Session s = new Session(clientId, expirySeconds);
        s.user(user);
        for (int n = count(in); n > 0; n--) {
            Subscription sub = new Subscription(in.readUTF(), in.readByte(), in.readBoolean(), in.readBoolean(), in.readInt());
            s.subscriptions().put(sub.filter(), sub);
        }
        Map<Integer, Delivery.Outgoing> unacknowledged = new LinkedHashMap<>();
        for (int n = count(in); n > 0; n--) {
            int packetId = in.readUnsignedShort();
            Delivery.Outgoing o = outgoing(in);
            if (o != null) {
                unacknowledged.put(packetId, o);
            }
        }
        List<Delivery.Outgoing> waiting = new ArrayList<>();
        for (int n = count(in); n > 0; n--) {
            Delivery.Outgoing o = outgoing(in);
            if (o != null) {
                waiting.add(o);
            }
        }
        s.parkUntil(unacknowledged, waiting, endsNanos);
        return s;
    }

    private static void outgoing(DataOutputStream out, Delivery.Outgoing o) throws IOException {
        out.writeUTF(o.message().topic());
        out.writeByte(o.qos());
        out.writeBoolean(o.retain());
        out.writeShort(o.identifiers().size());
        for (int id : o.identifiers()) {
            out.writeInt(id);
        }
        publication(out, o.message());
    }

    /** @return null if its message expired */
    private static Delivery.Outgoing outgoing(DataInputStream in) throws IOException {
        String topic = in.readUTF();
        int qos = in.readByte();
        boolean retain = in.readBoolean();
        List<Integer> identifiers = new ArrayList<>();
        for (int n = in.readUnsignedShort(); n > 0; n--) {
            identifiers.add(in.readInt());
        }
        Publication message = publication(in, topic, retain);
        return message == null ? null : new Delivery.Outgoing(message, qos, retain, identifiers);
    }

    /** The properties sent with it, its QoS and its expiry; the topic is the caller's to write. */
    private static void publication(DataOutputStream out, Publication p) throws IOException {
        out.writeByte(p.qos());
        out.writeLong(p.expiresNanos() == Long.MAX_VALUE ? NEVER : wallClock(p.expiresNanos()));
        Collection<? extends MqttProperty> properties = p.properties().listAll();
        out.writeShort(properties.size());
        for (MqttProperty<?> property : properties) {
            out.writeByte(property.propertyId());
            if (property instanceof IntegerProperty i) {
                out.writeByte('I');
                out.writeInt(i.value());
            } else if (property instanceof StringProperty s) {
                out.writeByte('S');
                out.writeUTF(s.value());
            } else if (property instanceof BinaryProperty b) {
                out.writeByte('B');
                out.writeInt(b.value().length);
                out.write(b.value());
            } else if (property instanceof UserProperties u) {
                out.writeByte('U');
                out.writeShort(u.value().size());
                for (StringPair pair : u.value()) {
                    out.writeUTF(pair.key);
                    out.writeUTF(pair.value);
                }
            } else {
                throw new IllegalArgumentException("no encoding for MQTT property " + property.propertyId());
            }
        }
        out.writeInt(p.payload().length);
        out.write(p.payload());
    }

    /** Read in full even when expired, so that what follows it can be read; null then. */
    private static Publication publication(DataInputStream in, String topic, boolean retain) throws IOException {
        int qos = in.readByte();
        long expires = in.readLong();
        MqttProperties properties = new MqttProperties();
        for (int n = in.readUnsignedShort(); n > 0; n--) {
            int id = in.readUnsignedByte();
            switch (in.readByte()) {
                case 'I' -> properties.add(new IntegerProperty(id, in.readInt()));
                case 'S' -> properties.add(new StringProperty(id, in.readUTF()));
                case 'B' -> properties.add(new BinaryProperty(id, in.readNBytes(count(in))));
                case 'U' -> {
                    UserProperties user = new UserProperties();
                    for (int pairs = in.readUnsignedShort(); pairs > 0; pairs--) {
                        user.add(in.readUTF(), in.readUTF());
                    }
                    properties.add(user);
                }
                default -> throw new IOException("unknown property type");
            }
        }
        byte[] payload = in.readNBytes(count(in));
        long expiresNanos = expires == NEVER ? Long.MAX_VALUE : monotonic(expires);
        return expiresNanos == Long.MIN_VALUE ? null : new Publication(topic, payload, qos, retain, properties, expiresNanos);
    }

    /**
     * In whole seconds, so that the same time written twice gives the same bytes (the store skips
     * unchanged sessions); rounded down, so that nothing expired comes back.
     */
    private static long wallClock(long nanos) {
        long millis = System.currentTimeMillis() + TimeUnit.NANOSECONDS.toMillis(nanos - System.nanoTime());
        return Math.floorDiv(millis, 1000) * 1000;
    }

    /** @return {@link Long#MIN_VALUE} if that time has passed */
    private static long monotonic(long wallClockMillis) {
        long left = wallClockMillis - System.currentTimeMillis();
        return left <= 0 ? Long.MIN_VALUE : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(left);
    }

    /** A length or count, checked against what is left, so that a damaged entry cannot ask for gigabytes. */
    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("truncated");
        }
        return n;
    }
}
