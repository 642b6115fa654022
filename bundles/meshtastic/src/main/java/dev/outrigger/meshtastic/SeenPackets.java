package dev.outrigger.meshtastic;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashSet;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The packets of one radio already recorded, by sender and packet id, so that those the radio
 * hands over again after a handshake are recorded once. The most recent ones are kept, in a file
 * of the bundle's data area when the radio is closed, so that a restart or an update of the bundle
 * does not record them twice either.
 */
final class SeenPackets {

    private static final Logger LOG = LoggerFactory.getLogger(SeenPackets.class);
    /** Far more than a radio hands over after a handshake. */
    private static final int KEPT = 4096;

    private final LinkedHashSet<Long> keys = new LinkedHashSet<>();
    private final Path file;

    /** @param file where they are kept between runs; null: in memory only */
    SeenPackets(Path file) {
        this.file = file;
        if (file != null && Files.exists(file)) {
            load();
        }
    }

    /** Where the packets of the radio at this address are kept. */
    static Path fileFor(BundleContext context, String address) {
        return context.getDataFile("seen-" + address.replaceAll("[^A-Za-z0-9._-]", "_")).toPath();
    }

    /** @return true the first time, false for a repeat */
    synchronized boolean first(long from, long packetId) {
        long key = from << 32 | packetId & 0xffffffffL;
        if (!keys.add(key)) {
            return false;
        }
        if (keys.size() > KEPT) {
            keys.remove(keys.iterator().next());
        }
        return true;
    }

    /** A packet that could not be recorded: a repeat of it is welcome. */
    synchronized void forget(long from, long packetId) {
        keys.remove(from << 32 | packetId & 0xffffffffL);
    }

    private void load() {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            for (int n = in.readInt(); n > 0 && keys.size() < KEPT; n--) {
                keys.add(in.readLong());
            }
        } catch (EOFException e) {
            LOG.warn("Meshtastic: {} is cut short; the packets it names up to there are known", file);
        } catch (IOException e) {
            LOG.warn("Meshtastic: cannot read {} ({}); packets the radio hands over again may be recorded twice", file,
                    e.getMessage());
        }
    }

    /** Written next to the file and moved over it, so that a crash leaves the old or the new one. */
    synchronized void save() {
        if (file == null) {
            return;
        }
        try {
            Path next = file.resolveSibling(file.getFileName() + ".next");
            try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(next))) {
                List<Long> all = List.copyOf(keys);
                out.writeInt(all.size());
                for (long key : all) {
                    out.writeLong(key);
                }
            }
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.warn("Meshtastic: cannot write {} ({}); packets the radio hands over again may be recorded twice", file,
                    e.getMessage());
        }
    }
}
