package dev.outrigger.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.startlevel.BundleStartLevel;

/**
 * Brings the framework's installed bundles in line with {@code bundle/} before it starts.
 * The framework cache keeps everything else (bundles installed from the shell or by FileInstall,
 * updates, started state) across restarts, so this only installs jars that are new, updates those
 * whose jar changed since it was installed, and removes those whose jar was deleted.
 *
 * <p>A jar's change is told by a fingerprint of its zip central directory (every entry's name, CRC
 * and size), kept with the framework cache, not by its time stamp: the distribution's files all
 * carry the same one (reproducible builds), so a newer distribution's jars are not newer files.
 * Reading a central directory is cheaper than opening the jar, which is needed only when the
 * fingerprint is new.
 */
final class BootBundles {

    private static final int DEFAULT_START_LEVEL = 80;
    private static final String RECORDS = "boot-bundles.properties";
    /** Written in a record for a jar that is not a bundle. */
    private static final String NOT_A_BUNDLE = "-";
    private static final int END_OF_CENTRAL_DIRECTORY = 0x06054b50;
    private static final int END_RECORD_LENGTH = 22;

    private final BundleContext context;
    private final Path folder;
    private final Properties startLevels = new Properties();
    /** Jar file name: "fingerprint symbolic-name" of the jar its bundle was last installed or updated from. */
    private final Properties records = new Properties();
    private final Path recordsFile;

    BootBundles(BundleContext context, Path folder, Path startLevelsFile) throws IOException {
        this.context = context;
        this.folder = folder;
        load(startLevels, startLevelsFile);
        this.recordsFile = context.getDataFile(RECORDS).toPath();
        load(records, recordsFile);
    }

    private static void load(Properties properties, Path file) throws IOException {
        if (Files.exists(file)) {
            try (Reader in = Files.newBufferedReader(file)) {
                properties.load(in);
            }
        }
    }

    void synchronize() throws IOException, BundleException {
        Map<String, Bundle> installed = new HashMap<>();
        for (Bundle b : context.getBundles()) {
            installed.put(b.getSymbolicName(), b);
        }
        String systemBundle = context.getBundle(Constants.SYSTEM_BUNDLE_ID).getSymbolicName();
        Set<String> present = new HashSet<>();
        List<Bundle> toStart = new ArrayList<>();
        Properties seen = new Properties();
        for (Path jar : jars()) {
            String name = jar.getFileName().toString();
            String fingerprint = fingerprint(jar);
            String[] record = records.getProperty(name, "").split(" ");
            boolean unchanged = record.length == 2 && record[0].equals(fingerprint);
            String bsn = unchanged ? record[1] : symbolicName(jar);
            seen.setProperty(name, fingerprint + " " + bsn);
            if (bsn.equals(NOT_A_BUNDLE) || bsn.equals(systemBundle)) {
                continue;
            }
            present.add(bsn);
            Bundle bundle = installed.get(bsn);
            if (bundle == null) {
                try (InputStream in = Files.newInputStream(jar)) {
                    bundle = context.installBundle(jar.toUri().toString(), in);
                }
                toStart.add(bundle);
            } else if (!unchanged) {
                // changed since it was installed (or installed before fingerprints were kept)
                try (InputStream in = Files.newInputStream(jar)) {
                    bundle.update(in);
                }
                toStart.add(bundle);
            }
            bundle.adapt(BundleStartLevel.class).setStartLevel(Integer.parseInt(
                    startLevels.getProperty(name, Integer.toString(DEFAULT_START_LEVEL)).trim()));
        }
        String bootLocation = folder.toUri().toString();
        for (Bundle b : context.getBundles()) {
            if (b.getLocation().startsWith(bootLocation) && !present.contains(b.getSymbolicName())) {
                b.uninstall();
            }
        }
        if (!seen.equals(records)) {
            try (Writer out = Files.newBufferedWriter(recordsFile)) {
                seen.store(out, "the jars in " + folder + " the installed bundles came from: fingerprint, symbolic name");
            }
        }
        for (Bundle b : toStart) {
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                b.start(); // persistent: the start level brings it up once the framework starts
            }
        }
    }

    private List<Path> jars() throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.toString().endsWith(".jar")).sorted().toList();
        }
    }

    private static String symbolicName(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            String bsn = manifest == null ? null : manifest.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
            return bsn == null ? NOT_A_BUNDLE : bsn.split(";")[0].trim();
        }
    }

    /** CRC-32 of the zip central directory, and the file's size. */
    private static String fingerprint(Path jar) throws IOException {
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
