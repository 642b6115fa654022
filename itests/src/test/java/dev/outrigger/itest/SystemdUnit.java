package dev.outrigger.itest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** The systemd unit the distribution ships, with its paths moved to where a distribution is unpacked. */
final class SystemdUnit {

    /** Where the shipped unit expects the distribution. */
    private static final String SHIPPED_HOME = "/opt/outrigger";

    final String text;
    private final Path home;

    SystemdUnit(Path home) throws IOException {
        this.home = home;
        this.text = Files.readString(home.resolve("systemd/outrigger.service")).replace(SHIPPED_HOME, home.toString());
    }

    /** What {@code ReadWritePaths=} lets the service write; the rest of the system is read-only to it. */
    List<Path> writablePaths() {
        return text.lines().filter(l -> l.startsWith("ReadWritePaths=")).findFirst()
                .map(l -> Arrays.stream(l.substring("ReadWritePaths=".length()).trim().split("\\s+")).map(Path::of).toList())
                .orElseThrow(() -> new AssertionError("no ReadWritePaths in the unit"));
    }

    /**
     * The files and folders of the distribution that the service may not write (size and time of
     * last change of each), leaving out the given ones (a test's own files).
     */
    Map<String, String> readOnlyPart(String... leftOut) throws IOException {
        List<Path> writable = writablePaths();
        List<Path> ignored = Arrays.stream(leftOut).map(home::resolve).toList();
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> all = Files.walk(home)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (writable.stream().noneMatch(p::startsWith) && !ignored.contains(p) && !p.equals(home)) {
                    files.put(home.relativize(p).toString(),
                            Files.isDirectory(p) ? "folder" : Files.size(p) + " bytes, " + Files.getLastModifiedTime(p));
                }
            }
        }
        return files;
    }
}
