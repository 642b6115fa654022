package dev.outrigger.broker;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.BinaryProperty;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttProperty;
import io.netty.handler.codec.mqtt.MqttProperties.StringPair;
import io.netty.handler.codec.mqtt.MqttProperties.StringProperty;
import io.netty.handler.codec.mqtt.MqttProperties.UserProperties;

/**
 * The retained messages on disk, so that they outlive a restart of the broker, an update of its
 * bundle and a reboot, as mosquitto's persistence keeps them: Home Assistant's discovery topics
 * and the last known states zigbee2mqtt published are still there when the gateway comes back.
 * Written through as they change (H2 MVStore, committed in the background within a second).
 */
final class RetainedStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RetainedStore.class);
    private static final byte FORMAT = 1;
    private static final long NEVER = -1;

    private final Path file;
    private final MVStore store;
    private final MVMap<String, byte[]> messages;

    private RetainedStore(Path file, MVStore store) {
        this.file = file;
        this.store = store;
        this.messages = store == null ? null : store.openMap("retained");
    }

    /** Keeps nothing: retained messages live as long as the broker. */
    static RetainedStore none() {
        return new RetainedStore(null, null);
    }

    /** The store in the file; one that cannot be read is moved aside (one log line) and a new one begun. */
    static RetainedStore open(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try {
                return new RetainedStore(file, new MVStore.Builder().fileName(file.toString()).open());
            } catch (MVStoreException e) {
                Path aside = file.resolveSibling(file.getFileName() + ".unreadable");
                Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
                LOG.warn("Embedded MQTT broker: the retained messages in {} cannot be read ({}); moved to {}, starting without them",
                        file, e.getMessage(), aside);
                return new RetainedStore(file, new MVStore.Builder().fileName(file.toString()).open());
            }
        } catch (IOException | MVStoreException e) {
            LOG.warn("Embedded MQTT broker: cannot keep retained messages in {} ({}); they last until the broker stops", file,
                    e.getMessage());
            return none();
        }
    }

    /** What was retained, as messages received now; those expired meanwhile or unreadable are dropped. */
    List<Publication> load() {
        List<Publication> loaded = new ArrayList<>();
        if (messages == null) {
            return loaded;
        }
        for (var entry : messages.entrySet()) {
            try {
                Publication p = decode(entry.getKey(), entry.getValue());
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

    void put(Publication p) {
        if (messages != null) {
            messages.put(p.topic(), encode(p));
        }
    }

    void remove(String topic) {
        if (messages != null) {
            messages.remove(topic);
        }
    }

    /** For {@code broker:status}. */
    @Override
    public String toString() {
        return file == null ? "in memory only" : "kept in " + file;
    }

    @Override
    public void close() {
        if (store != null) {
            store.close();
        }
    }

    /** The properties sent with it, its QoS, and its expiry as wall-clock time (nanoTime does not survive a restart). */
    static byte[] encode(Publication p) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(p.payload().length + 64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeByte(p.qos());
            out.writeLong(p.expiresNanos() == Long.MAX_VALUE ? NEVER
                    : System.currentTimeMillis() + TimeUnit.NANOSECONDS.toMillis(p.expiresNanos() - System.nanoTime()));
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
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory: cannot happen
        }
        return bytes.toByteArray();
    }

    /** @return null if it expired while the broker was down */
    static Publication decode(String topic, byte[] data) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        if (in.readByte() != FORMAT) {
            throw new IOException("unknown format");
        }
        int qos = in.readByte();
        long expiresMillis = in.readLong();
        long expiresNanos = Long.MAX_VALUE;
        if (expiresMillis != NEVER) {
            long left = expiresMillis - System.currentTimeMillis();
            if (left <= 0) {
                return null;
            }
            expiresNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(left);
        }
        MqttProperties properties = new MqttProperties();
        for (int n = in.readUnsignedShort(); n > 0; n--) {
            int id = in.readUnsignedByte();
            switch (in.readByte()) {
                case 'I' -> properties.add(new IntegerProperty(id, in.readInt()));
                case 'S' -> properties.add(new StringProperty(id, in.readUTF()));
                case 'B' -> properties.add(new BinaryProperty(id, in.readNBytes(length(in))));
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
        byte[] payload = in.readNBytes(length(in));
        return new Publication(topic, payload, qos, true, properties, expiresNanos);
    }

    private static int length(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("truncated");
        }
        return n;
    }
}
