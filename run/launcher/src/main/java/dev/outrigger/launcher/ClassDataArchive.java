package dev.outrigger.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.stream.Stream;

import javax.management.JMException;
import javax.management.ObjectName;

import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;

import dev.outrigger.framework.files.DurableFile;
import dev.outrigger.framework.memory.MemoryHeadroom;

/**
 * Writes the class data sharing archive while the runtime runs, once it has settled after its
 * start, so that every later start maps the classes instead of loading and verifying them again —
 * even when this process never stops cleanly, as on a vehicle's Pi whose power is cut: an archive
 * written at exit would never be. A run stopped sooner leaves it to the next. The JVM dumps on
 * request when started with {@code -XX:+RecordDynamicDumpInfo} (JDK 17 and later);
 * {@code bin/outrigger} asks for that while there is no archive yet.
 */
final class ClassDataArchive {

    /** Long enough for the features installed at start and the first records to load their classes. */
    private static final long SETTLE_MILLIS = Long.getLong("outrigger.cds.settle", 10_000);
    /**
     * The archive takes 15 to 30 MB. A JVM that cannot finish writing it ends itself ("Unable to
     * write to shared archive file"), and would do so again at every start: on a nearly full SD
     * card the runtime rather does without.
     */
    private static final long MIN_FREE_BYTES = 200L << 20;
    /**
     * Dumping takes about as much memory again as the runtime holds (measured: 120 MB more with
     * every feature installed), and the JVM returns little of it before it exits. Under a memory
     * limit too tight for that the kernel would end the runtime mid-dump, at every start.
     */
    private static final long DUMP_MARGIN_BYTES = 32L << 20;

    private final Path archive;
    private final MemoryHeadroom memory;

    ClassDataArchive(Path archive, MemoryHeadroom memory) {
        this.archive = archive;
        this.memory = memory;
    }

    /**
     * Once the framework has started and settled, on a thread of its own. Called before it starts:
     * the JDK's notice of the dump is kept off stdout from then on, since the shell (Gogo) puts
     * back the stream it found at its start whenever a command runs, and would undo a filter set
     * for the dump alone if one ran meanwhile.
     */
    void writeAfterStart(Framework framework) {
        System.setOut(new WithoutDumpNotice(System.out));
        framework.getBundleContext().addFrameworkListener(event -> {
            if (event.getType() == FrameworkEvent.STARTED) {
                Thread writer = new Thread(() -> {
                    try {
                        Thread.sleep(SETTLE_MILLIS);
                        write();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "outrigger-cds");
                writer.setDaemon(true);
                writer.start();
            }
        });
    }

    /**
     * stdout as it is, less the line the JDK prints for every dump (" Dynamic dump to file ..."):
     * the log is the runtime's, and a line without time stamp or level only puzzles its reader.
     */
    private static final class WithoutDumpNotice extends PrintStream {
        WithoutDumpNotice(PrintStream out) {
            // the charset System.out encodes in: stdout.encoding from Java 19, the default one before
            super(out, true, Charset.forName(System.getProperty("stdout.encoding", Charset.defaultCharset().name())));
        }

        @Override
        public void println(String line) {
            if (line == null || !line.startsWith(" Dynamic dump to file ")) {
                super.println(line);
            }
        }
    }

    /** Where the size of a whole archive is kept: {@code cds-<id>.jsa.bytes}. */
    static Path sizeOf(Path archive) {
        return archive.resolveSibling(archive.getFileName() + ".bytes");
    }

    /** Archives of another JVM or class path, which no start maps any more (tens of MB each), and their sizes. */
    private void removeOthers(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            for (Path other : (Iterable<Path>) files.filter(f -> f.getFileName().toString().matches("cds-\\w+\\.jsa(\\.bytes)?")
                    && !f.getFileName().equals(archive.getFileName())
                    && !f.getFileName().equals(sizeOf(archive).getFileName()))::iterator) {
                Files.deleteIfExists(other);
            }
        }
    }

    private static String quoted(String value) {
        return value.contains("\"") ? "'" + value + "'" : "\"" + value + "\"";
    }

    private static Object diagnosticCommand(String operation, String... arguments) throws JMException {
        return ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                operation, new Object[] { arguments }, new String[] { String[].class.getName() });
    }

    /** Gives back to the system what the dump freed (about 10 MB); JDKs before 17.0.9 cannot. */
    private static void trimNativeHeap() {
        try {
            diagnosticCommand("systemTrimNativeHeap");
        } catch (JMException | RuntimeException e) {
            // an older JDK: kept until the exit
        }
    }

    /** Writes it: once, on the thread that waited for the runtime to settle. */
    private void write() {
        try {
            Path folder = archive.toAbsolutePath().getParent();
            long free = Files.getFileStore(folder).getUsableSpace();
            if (free < MIN_FREE_BYTES) {
                System.err.printf(Locale.ROOT,
                        "outrigger: only %d MB free in %s, less than the %d MB the class data sharing archive needs to be"
                        + " written safely; starts stay as slow as the first%n", free >> 20, folder, MIN_FREE_BYTES >> 20);
                return;
            }
            OptionalLong resident = memory.resident();
            OptionalLong room = memory.available();
            if (resident.isPresent() && room.isPresent() && room.getAsLong() < resident.getAsLong() + DUMP_MARGIN_BYTES) {
                System.err.printf(Locale.ROOT,
                        "outrigger: the class data sharing archive is not written: that takes about as much memory again"
                        + " as the %d MB the runtime holds, and %d MB are left under the memory limit; starts stay as slow as the"
                        + " first (OUTRIGGER_CDS=off skips the archive without this line)%n", resident.getAsLong() >> 20,
                        room.getAsLong() >> 20);
                return;
            }
            // written next to it, synced and moved: neither a process killed while dumping nor a
            // power cut leaves a half archive to map (the JVM crashes on one)
            Path next = archive.resolveSibling(archive.getFileName() + ".next");
            // the command line is split at spaces, a quoted value is kept whole
            diagnosticCommand("vmCds", "dynamic_dump", quoted(next.toString()));
            trimNativeHeap();
            if (!Files.isRegularFile(next)) {
                throw new IOException("the JVM wrote no archive");
            }
            try (FileChannel written = FileChannel.open(next, StandardOpenOption.WRITE)) {
                written.force(true);
            }
            Files.move(next, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            try (FileChannel directory = FileChannel.open(folder, StandardOpenOption.READ)) {
                directory.force(true);
            } catch (IOException notSupported) {
                // a file system that cannot sync a folder: the archive is whole, its name just not yet durable
            }
            // its size as written, which bin/outrigger compares before mapping it: one cut short later
            // (an SD card that lost a write despite the sync, a copy of data/ interrupted) crashes the
            // JVM as it maps it, at every start
            DurableFile.replace(sizeOf(archive), Long.toString(Files.size(archive)).getBytes(StandardCharsets.US_ASCII));
            removeOthers(folder);
        } catch (JMException | IOException | RuntimeException e) {
            System.err.println("outrigger: cannot write the class data sharing archive " + archive + " (" + e
                    + "); starts stay as slow as the first");
        }
    }
}
