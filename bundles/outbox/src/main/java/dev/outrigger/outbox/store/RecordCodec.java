package dev.outrigger.outbox.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import dev.outrigger.outbox.OutboxRecord;

/**
 * A record's bytes on disk: a format version, then its fields and, from version 2, when it was
 * queued on the {@link QueueClock}. Version 1 records (from before that) count as queued at 0.
 */
final class RecordCodec {

    private static final int VERSION = 2;

    private RecordCodec() {
    }

    static byte[] encode(OutboxRecord r, long queued) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(r.payload().length + r.topic().length() + 32);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeUTF(r.topic());
            out.writeByte(r.qos());
            out.writeBoolean(r.retained());
            out.writeLong(r.created());
            out.writeLong(queued);
            out.writeInt(r.payload().length);
            out.write(r.payload());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static OutboxRecord decode(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            int version = version(in);
            String topic = in.readUTF();
            int qos = in.readUnsignedByte();
            boolean retained = in.readBoolean();
            long created = in.readLong();
            if (version > 1) {
                in.readLong();
            }
            byte[] payload = new byte[in.readInt()];
            in.readFully(payload);
            return new OutboxRecord(topic, payload, qos, retained, created);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** When a stored record was queued, on the {@link QueueClock}, without decoding its payload. */
    static long queued(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            if (version(in) == 1) {
                return 0;
            }
            in.readUTF();
            in.skipBytes(2 + 8);
            return in.readLong();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int version(DataInputStream in) throws IOException {
        int version = in.readUnsignedByte();
        if (version < 1 || version > VERSION) {
            throw new IllegalStateException("unknown outbox record format " + version);
        }
        return version;
    }
}
