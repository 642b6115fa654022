package dev.outrigger.framework.memory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * How much memory this process holds, and how much more it may take before the kernel ends it: the lesser of what the
 * host has available and what its memory cgroups leave (a container's limit, a systemd unit's
 * MemoryMax), counted as the kubelet counts a working set, reclaimable file cache left out.
 * cgroup v2 and v1, each cgroup from the process's own up to the root, since any of them may set
 * the limit.
 */
public final class MemoryHeadroom {

    /** What cgroup v1 reports as its limit when there is none. */
    private static final long V1_UNLIMITED = 1L << 62;

    private final Path proc;
    private final Path cgroups;

    public MemoryHeadroom(Path proc, Path cgroups) {
        this.proc = proc;
        this.cgroups = cgroups;
    }

    public static MemoryHeadroom ofThisProcess() {
        return new MemoryHeadroom(Path.of("/proc"), Path.of("/sys/fs/cgroup"));
    }

    /** Bytes this process holds in memory; empty where Linux' /proc is not there. */
    public OptionalLong resident() {
        return kilobytes(proc.resolve("self/status"), "VmRSS:");
    }

    /** Bytes it may still take; empty when nothing tells. */
    public OptionalLong available() {
        OptionalLong least = kilobytes(proc.resolve("meminfo"), "MemAvailable:");
        try {
            for (String line : Files.readAllLines(proc.resolve("self/cgroup"))) {
                String[] fields = line.split(":", 3);
                if (fields.length < 3) {
                    continue;
                }
                if (fields[0].equals("0") && fields[1].isEmpty()) {
                    least = lesser(least, walk(cgroups, fields[2], "memory.max", "memory.current", "inactive_file"));
                } else if (List.of(fields[1].split(",")).contains("memory")) {
                    least = lesser(least, walk(cgroups.resolve("memory"), fields[2], "memory.limit_in_bytes",
                            "memory.usage_in_bytes", "total_inactive_file"));
                }
            }
        } catch (IOException | RuntimeException e) {
            // no cgroups to read: the host's figure stands
        }
        return least;
    }

    /** The least room left in the cgroup at {@code path} below {@code root} and in each of its parents. */
    private static OptionalLong walk(Path root, String path, String limitFile, String usageFile, String inactiveFile)
            throws IOException {
        OptionalLong least = OptionalLong.empty();
        Path top = root.normalize();
        for (Path dir = root.resolve(path.replaceFirst("^/", "")).normalize(); dir != null && dir.startsWith(top);
                dir = dir.getParent()) {
            Path limit = dir.resolve(limitFile);
            if (!Files.isRegularFile(limit)) {
                continue;
            }
            String text = Files.readString(limit).strip();
            if (text.equals("max") || Long.parseLong(text) >= V1_UNLIMITED) {
                continue;
            }
            long used = Long.parseLong(Files.readString(dir.resolve(usageFile)).strip())
                    - stat(dir.resolve("memory.stat"), inactiveFile);
            least = lesser(least, OptionalLong.of(Math.max(0, Long.parseLong(text) - used)));
        }
        return least;
    }

    private static long stat(Path file, String key) throws IOException {
        if (!Files.isRegularFile(file)) {
            return 0;
        }
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith(key + " ")) {
                return Long.parseLong(line.substring(key.length() + 1).strip());
            }
        }
        return 0;
    }

    private static OptionalLong kilobytes(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key)) {
                    return OptionalLong.of(Long.parseLong(line.replaceAll("\\D", "")) * 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return OptionalLong.empty();
    }

    private static OptionalLong lesser(OptionalLong a, OptionalLong b) {
        if (a.isEmpty()) {
            return b;
        }
        return b.isEmpty() ? a : OptionalLong.of(Math.min(a.getAsLong(), b.getAsLong()));
    }
}
