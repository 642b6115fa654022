package dev.outrigger.framework.memory;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Fake /proc and /sys/fs/cgroup trees, as a host, a container and a systemd unit show them. */
public class MemoryHeadroomTest {

    private static final long MB = 1 << 20;

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private Path proc;
    private Path cgroups;

    @Before
    public void host() throws IOException {
        proc = folder.newFolder("proc").toPath();
        cgroups = folder.newFolder("cgroup").toPath();
        write(proc.resolve("meminfo"), "MemTotal:        3884000 kB\nMemAvailable:    2048000 kB\n");
        write(proc.resolve("self/status"), "Name:\tjava\nVmRSS:\t  122880 kB\n");
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private OptionalLong available() {
        return new MemoryHeadroom(proc, cgroups).available();
    }

    @Test
    public void withoutALimitTheHostsAvailableMemoryCounts() throws Exception {
        write(proc.resolve("self/cgroup"), "0::/user.slice/session-3.scope\n");
        write(cgroups.resolve("user.slice/memory.max"), "max\n");
        assertEquals(OptionalLong.of(2000 * MB), available());
        assertEquals(OptionalLong.of(120 * MB), new MemoryHeadroom(proc, cgroups).resident());
    }

    @Test
    public void aContainersLimitLessItsWorkingSet() throws Exception {
        // a pod with limits.memory 192Mi, in its own cgroup namespace: its cgroup is the root
        write(proc.resolve("self/cgroup"), "0::/\n");
        write(cgroups.resolve("memory.max"), String.valueOf(192 * MB));
        write(cgroups.resolve("memory.current"), String.valueOf(150 * MB));
        write(cgroups.resolve("memory.stat"), "anon 125829120\ninactive_file " + 20 * MB + "\nactive_file 4096\n");
        assertEquals("192 MB less 130 MB in use (150 MB less 20 MB of cache it may drop)", OptionalLong.of(62 * MB), available());
    }

    @Test
    public void aParentsLimitAppliesToo() throws Exception {
        // a systemd unit in a slice with MemoryMax=256M; the unit itself unlimited
        write(proc.resolve("self/cgroup"), "0::/edge.slice/outrigger.service\n");
        write(cgroups.resolve("edge.slice/memory.max"), String.valueOf(256 * MB));
        write(cgroups.resolve("edge.slice/memory.current"), String.valueOf(200 * MB));
        write(cgroups.resolve("edge.slice/outrigger.service/memory.max"), "max");
        write(cgroups.resolve("edge.slice/outrigger.service/memory.current"), String.valueOf(130 * MB));
        assertEquals(OptionalLong.of(56 * MB), available());
    }

    @Test
    public void cgroupV1MemoryControllerLimits() throws Exception {
        write(proc.resolve("self/cgroup"), "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n");
        write(cgroups.resolve("memory/docker/abc/memory.limit_in_bytes"), String.valueOf(512 * MB));
        write(cgroups.resolve("memory/docker/abc/memory.usage_in_bytes"), String.valueOf(300 * MB));
        write(cgroups.resolve("memory/docker/abc/memory.stat"), "cache 0\ntotal_inactive_file " + 100 * MB + "\n");
        write(cgroups.resolve("memory/memory.limit_in_bytes"), "9223372036854771712");
        assertEquals(OptionalLong.of(312 * MB), available());
    }

    @Test
    public void nothingToReadTellsNothing() {
        MemoryHeadroom elsewhere = new MemoryHeadroom(folder.getRoot().toPath().resolve("none"), cgroups);
        assertEquals(OptionalLong.empty(), elsewhere.available());
        assertEquals(OptionalLong.empty(), elsewhere.resident());
    }
}
