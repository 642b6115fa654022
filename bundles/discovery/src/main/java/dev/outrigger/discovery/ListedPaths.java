package dev.outrigger.discovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serial ports that sysfs does not show, named by path in the configuration: pseudo-terminals
 * (socat making a port on another machine local, a simulated radio), or device nodes a container
 * sees without the node's /sys. Each is listed while its path leads to a character device, under
 * the path as configured, so that a stable link keeps its identity while the pty behind it changes.
 */
final class ListedPaths {

    private static final Logger LOG = LoggerFactory.getLogger(ListedPaths.class);
    private static final int FILE_TYPE = 0170000;
    private static final int CHARACTER_DEVICE = 0020000;

    private final List<Path> paths;
    /** Paths said not to be devices, so that this is said once while it stays so. */
    private final Set<Path> refused = new HashSet<>();

    ListedPaths(List<Path> paths) {
        this.paths = List.copyOf(paths);
    }

    /** The configured entries that can be listed: absolute paths below a folder; blanks are skipped. */
    static List<Path> usable(String[] configured) {
        List<Path> usable = new ArrayList<>();
        for (String entry : configured) {
            if (!entry.isBlank() && unusable(entry).isEmpty()) {
                usable.add(Path.of(entry.trim()).normalize());
            }
        }
        return usable;
    }

    /** Why a configured entry cannot be listed, if it cannot. */
    static Optional<String> unusable(String entry) {
        Path path = Path.of(entry.trim());
        return entry.isBlank() || path.isAbsolute() && path.getParent() != null ? Optional.empty()
                : Optional.of(entry.trim() + " is not an absolute path to a device");
    }

    List<Path> paths() {
        return paths;
    }

    /** The listed paths present now, except those sysfs already found (by the node they lead to). */
    List<Port> scan(List<Port> found) {
        Set<Path> known = new HashSet<>();
        for (Port p : found) {
            realPath(Path.of(p.path())).ifPresent(known::add);
        }
        List<Port> ports = new ArrayList<>();
        for (Path path : paths) {
            Optional<Path> real = realPath(path);
            if (real.isEmpty() || known.contains(real.get())) {
                refused.remove(path);
                continue;
            }
            if (!characterDevice(real.get())) {
                if (refused.add(path)) {
                    LOG.warn("Discovery: {} is listed in devicePaths but is not a serial device ({} is no character "
                            + "device); not listed", path, real.get());
                }
                continue;
            }
            refused.remove(path);
            String driver = real.get().startsWith("/dev/pts") ? "pty" : "unknown";
            ports.add(new Port(path.getFileName().toString(), path.toString(), Optional.empty(), Optional.empty(), driver,
                    Optional.empty(), List.of()));
        }
        return ports;
    }

    private static Optional<Path> realPath(Path path) {
        try {
            return Optional.of(path.toRealPath());
        } catch (IOException absent) {
            return Optional.empty();
        }
    }

    private static boolean characterDevice(Path path) {
        try {
            return ((Integer) Files.getAttribute(path, "unix:mode") & FILE_TYPE) == CHARACTER_DEVICE;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
