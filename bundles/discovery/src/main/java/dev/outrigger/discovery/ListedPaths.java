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
 * sees under another name than sysfs gives it. Each is listed while its path leads to a terminal,
 * under the path as configured, so that a stable link keeps its identity while the pty behind it
 * changes. Only terminals: the setting can be changed remotely, and a bridge must never make
 * {@code /dev/mem} or a disk reachable over TCP.
 */
final class ListedPaths {

    private static final Logger LOG = LoggerFactory.getLogger(ListedPaths.class);
    private static final int FILE_TYPE = 0170000;
    private static final int CHARACTER_DEVICE = 0020000;
    /** Unix98 pseudo-terminals (devpts), which sysfs does not list: majors 136 to 143. */
    private static final long PTY_FIRST_MAJOR = 136, PTY_LAST_MAJOR = 143;

    private final Path sys;
    private final List<Path> paths;
    /** Paths said not to be devices, so that this is said once while it stays so. */
    private final Set<Path> refused = new HashSet<>();

    ListedPaths(Path sys, List<Path> paths) {
        this.sys = sys;
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
        if (paths.isEmpty()) {
            return List.of(); // the usual case: nothing to resolve on every rescan
        }
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
            if (!terminal(real.get())) {
                if (refused.add(path)) {
                    LOG.warn("Discovery: {} is listed in devicePaths but is not a serial port ({} is no terminal: "
                            + "neither a tty nor a pseudo-terminal); not listed", path, real.get());
                }
                continue;
            }
            refused.remove(path);
            String driver = real.get().startsWith("/dev/pts") ? "pty" : "unknown";
            ports.add(new Port(path.getFileName().toString(), path.toString(), Optional.empty(), Optional.empty(), driver,
                    Optional.empty(), List.of(), false));
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

    /** A character device that is a pseudo-terminal, or that sysfs files under the tty class. */
    private boolean terminal(Path path) {
        try {
            if (((Integer) Files.getAttribute(path, "unix:mode") & FILE_TYPE) != CHARACTER_DEVICE) {
                return false;
            }
            long rdev = (Long) Files.getAttribute(path, "unix:rdev");
            // the kernel's encoding of a device number (glibc's gnu_dev_major and gnu_dev_minor)
            long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & 0xfffff000L);
            long minor = (rdev & 0xff) | ((rdev >>> 12) & 0xffffff00L);
            if (major >= PTY_FIRST_MAJOR && major <= PTY_LAST_MAJOR) {
                return true;
            }
            Path subsystem = sys.resolve("dev/char/" + major + ":" + minor + "/subsystem");
            return subsystem.toRealPath().getFileName().toString().equals("tty");
        } catch (IOException | UnsupportedOperationException | ClassCastException e) {
            return false;
        }
    }
}
