package dev.outrigger.meshtastic;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;

import org.osgi.framework.BundleContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.framework.files.DurableFile;
import dev.outrigger.framework.logging.Outage;

/**
 * The packets of one radio already recorded, by sender and packet id, so that those the radio
 * hands over again after a handshake are recorded once. The most recent ones are kept in a journal
 * in the bundle's data area: each one is appended as it is recorded, so that neither a restart, an
 * update of the bundle nor a killed process records them twice. The journal is rewritten with the
 * kept ones when it has grown to twice their number.
 */
final class SeenPackets implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SeenPackets.class);
    /** Far more than a radio hands over after a handshake. */
    static final int KEPT = 4096;

    private final LinkedHashSet<Long> keys = new LinkedHashSet<>();
    private final Path file;
    private FileChannel journal;
    private long journalled;
    private final Outage writes = new Outage();

    /** @param file where they are kept between runs; null: in memory only */
    SeenPackets(Path file) {
        this.file = file;
        if (file != null) {
            load();
            journal();
        }
    }

    /** Where the packets of the radio at this address are kept. */
    static Path fileFor(BundleContext context, String address) {
        return context.getDataFile("seen-" + address.replaceAll("[^A-Za-z0-9._-]", "_")).toPath();
    }

    synchronized boolean recorded(long from, long packetId) {
        return keys.contains(key(from, packetId));
    }

    /** Called once the packet is recorded: a repeat of it is dropped from now on. */
    synchronized void add(long from, long packetId) {
        long key = key(from, packetId);
        if (!keys.add(key)) {
            return;
        }
        if (keys.size() > KEPT) {
            keys.remove(keys.iterator().next());
        }
        if (file == null) {
            return;
        }
        if (journal != null) {
            try {
                journal.write(ByteBuffer.allocate(Long.BYTES).putLong(0, key));
                if (++journalled < 2L * KEPT) {
                    return;
                }
            } catch (IOException e) {
                failed(e);
                return;
            }
        }
        journal(); // grown to twice the kept ones, or failing so far
    }

    private static long key(long from, long packetId) {
        return from << 32 | packetId & 0xffffffffL;
    }

    private void load() {
        if (!Files.exists(file)) {
            return;
        }
        try {
            ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(file));
            while (all.remaining() >= Long.BYTES) {
                keys.add(all.getLong());
            }
            while (keys.size() > KEPT) {
                keys.remove(keys.iterator().next());
            }
            if (all.hasRemaining()) {
                LOG.warn("Meshtastic: {} ends in a partly written entry (the process was stopped while writing it); "
                        + "the entries before it are known", file);
            }
        } catch (IOException e) {
            LOG.warn("Meshtastic: cannot read {} ({}); packets the radio hands over again may be recorded twice", file,
                    e.getMessage());
        }
    }

    /** Starts the journal anew with the kept ones; a crash or a power cut leaves the old or the new one. */
    private void journal() {
        try {
            close();
            ByteBuffer bytes = ByteBuffer.allocate(keys.size() * Long.BYTES);
            keys.forEach(bytes::putLong);
            DurableFile.replace(file, bytes.array());
            journal = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            journalled = keys.size();
            writes.worked(() -> LOG.info("Meshtastic: {} is written again", file));
        } catch (IOException e) {
            failed(e);
        }
    }

    /** The packets stay known in memory meanwhile. */
    private void failed(IOException e) {
        writes.failed(n -> LOG.warn("Meshtastic: cannot write {}{} ({}); packets the radio hands over again after a restart "
                + "may be recorded twice", file, Outage.times(n), e.getMessage()));
        close();
    }

    @Override
    public synchronized void close() {
        if (journal != null) {
            try {
                journal.close();
            } catch (IOException e) {
                LOG.debug("Meshtastic: closing {}", file, e);
            }
            journal = null;
        }
    }
}
