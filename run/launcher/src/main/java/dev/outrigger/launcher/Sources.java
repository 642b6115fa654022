package dev.outrigger.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.Writer;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.zip.CRC32;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;

/**
 * The jars in the distribution that bundles were installed from ({@code bundle/}, {@code deploy/},
 * {@code repository/}), each with the fingerprint it had: kept with the framework cache, so that a
 * start after an upgrade of the distribution (a kept {@code data/}) tells which jars changed.
 *
 * <p>A fingerprint is the CRC-32 of the jar's zip central directory (every entry's name, CRC and
 * size) and its size, read without opening the jar. Time stamps cannot tell: the distribution's
 * files all carry the same one, as reproducible builds do, and FileInstall, which compares name,
 * time stamp and length, misses a changed jar of the same length.
 */
final class Sources {

    private static final String FILE = "bundle-sources.properties";
    private static final int END_OF_CENTRAL_DIRECTORY = 0x06054b50;
    private static final int END_RECORD_LENGTH = 22;

    /** What is known of a location: the jar's fingerprint then, and the bundle's symbolic name. */
    record Source(String fingerprint, String symbolicName) {
    }

    private final Path home;
    private final Path file;
    private final Properties records = new Properties();
    private final Properties loaded = new Properties();

    Sources(BundleContext systemContext, Path home) throws IOException {
        this.home = home;
        this.file = systemContext.getDataFile(FILE).toPath();
        if (Files.exists(file)) {
            try (Reader in = Files.newBufferedReader(file)) {
                loaded.load(in);
            }
            records.putAll(loaded);
        }
    }

    Optional<Source> recorded(String location) {
        String[] value = records.getProperty(location, "").split(" ");
        return value.length == 2 ? Optional.of(new Source(value[0], value[1])) : Optional.empty();
    }

    void record(String location, Source source) {
        records.setProperty(location, source.fingerprint() + " " + source.symbolicName());
    }

    void forget(String location) {
        records.remove(location);
    }

    void store() throws IOException {
        if (!records.equals(loaded)) {
            try (Writer out = Files.newBufferedWriter(file)) {
                records.store(out, "the jars bundles were installed from: fingerprint, symbolic name");
            }
            loaded.clear();
            loaded.putAll(records);
        }
    }

    /** The jar in the distribution a bundle was installed from, if it is there. */
    Optional<Path> jarOf(Bundle bundle) {
        return fileOf(bundle.getLocation()).filter(jar -> jar.startsWith(home) && Files.isRegularFile(jar));
    }

    /** The file a bundle location names ({@code file:/opt/outrigger/deploy/x.jar}), if it names one. */
    static Optional<Path> fileOf(String location) {
        if (!location.startsWith("file:")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Path.of(URI.create(location)).normalize());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Records the jar of every bundle that came from the distribution: at a clean stop. */
    void recordAll(Bundle[] bundles) throws IOException {
        for (Bundle b : bundles) {
            Optional<Path> jar = jarOf(b);
            if (jar.isPresent()) {
                record(b.getLocation(), new Source(fingerprint(jar.get()), b.getSymbolicName()));
            }
        }
        store();
    }

    /**
     * Updates every bundle from deploy/ or repository/ whose jar changed since the last clean stop;
     * bundle/ is {@link BootBundles}'s. Before the framework starts, so that nothing runs the old code.
     */
    void updateChanged(Bundle[] bundles, Path bootFolder) throws IOException, BundleException {
        for (Bundle b : bundles) {
            Optional<Path> jar = jarOf(b).filter(j -> !j.startsWith(bootFolder));
            if (jar.isEmpty()) {
                continue;
            }
            String fingerprint = fingerprint(jar.get());
            Optional<Source> was = recorded(b.getLocation());
            if (was.isPresent() && !was.get().fingerprint().equals(fingerprint)) {
                String previous = b.getVersion().toString();
                try (InputStream in = Files.newInputStream(jar.get())) {
                    b.update(in);
                }
                System.err.printf(Locale.ROOT, "outrigger: %s %s updated to %s from %s, which changed since the last start%n",
                        b.getSymbolicName(), previous, b.getVersion(), home.relativize(jar.get()));
            }
            record(b.getLocation(), new Source(fingerprint, b.getSymbolicName()));
        }
        store();
    }

    static String fingerprint(Path jar) throws IOException {
        try (FileChannel channel = FileChannel.open(jar)) {
            long size = channel.size();
            // the end record is 22 bytes, followed by a comment of at most 65535 bytes: jars have none
            ByteBuffer tail = read(channel, Math.max(0, size - END_RECORD_LENGTH), size);
            if (tail.limit() < END_RECORD_LENGTH || tail.getInt(0) != END_OF_CENTRAL_DIRECTORY) {
                tail = read(channel, Math.max(0, size - END_RECORD_LENGTH - 0xffff), size);
            }
            for (int i = tail.limit() - END_RECORD_LENGTH; i >= 0; i--) {
                if (tail.getInt(i) == END_OF_CENTRAL_DIRECTORY) {
                    long length = Integer.toUnsignedLong(tail.getInt(i + 12));
                    long offset = Integer.toUnsignedLong(tail.getInt(i + 16));
                    if (offset + length > size) {
                        break;
                    }
                    CRC32 crc = new CRC32();
                    crc.update(read(channel, offset, offset + length));
                    return Long.toHexString(crc.getValue()) + "-" + size;
                }
            }
            throw new IOException(jar + " is not a jar: no zip central directory");
        }
    }

    private static ByteBuffer read(FileChannel channel, long from, long to) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(to - from)).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, from + buffer.position()) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
        return buffer.flip();
    }
}
