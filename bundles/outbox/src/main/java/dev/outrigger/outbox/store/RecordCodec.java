package dev.outrigger.outbox.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import dev.outrigger.outbox.OutboxRecord;

/** A record's bytes on disk: a format version, then its fields. */
final class RecordCodec {

    private static final int VERSION = 1;

    private RecordCodec() {
    }

    static byte[] encode(OutboxRecord r) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(r.payload().length + r.topic().length() + 24);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeUTF(r.topic());
            out.writeByte(r.qos());
            out.writeBoolean(r.retained());
            out.writeLong(r.created());
            out.writeInt(r.payload().length);
            out.write(r.payload());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static OutboxRecord decode(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new IllegalStateException("unknown outbox record format " + version);
            }
            String topic = in.readUTF();
            int qos = in.readUnsignedByte();
            boolean retained = in.readBoolean();
            long created = in.readLong();
            byte[] payload = new byte[in.readInt()];
            in.readFully(payload);
            return new OutboxRecord(topic, payload, qos, retained, created);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** When a stored record was created, without decoding its payload. */
    static long created(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            in.readUnsignedByte();
            in.readUTF();
            in.skipBytes(2);
            return in.readLong();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
