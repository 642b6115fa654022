package dev.outrigger.discovery;

import static org.junit.Assert.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class ListedPathsTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private static final Path SYS = Path.of("/sys");

    @Test
    public void aListedLinkToATerminalIsAPortUnderItsOwnPathWhileItExists() throws Exception {
        Path link = folder.getRoot().toPath().resolve("ttyZigbee");
        ListedPaths listed = new ListedPaths(SYS, List.of(link));
        assertEquals(List.of(), listed.scan(List.of()));

        Files.createSymbolicLink(link, Path.of("/dev/tty")); // 5:0, a tty in sysfs wherever Linux runs
        Port port = listed.scan(List.of()).get(0);
        assertEquals(link.toString(), port.path());
        assertEquals("ttyZigbee", port.id());
        assertEquals("unknown", port.driver());
        assertEquals(Optional.empty(), port.usb());

        Files.delete(link);
        assertEquals(List.of(), listed.scan(List.of()));
    }

    @Test
    public void onlyATerminalIsListedAndOnlyOnce() throws Exception {
        Path file = Files.writeString(folder.getRoot().toPath().resolve("ttyFILE"), "not a device");
        Path memory = Files.createSymbolicLink(folder.getRoot().toPath().resolve("ttyNULL"), Path.of("/dev/null"));
        Path tty = Files.createSymbolicLink(folder.getRoot().toPath().resolve("ttyTTY"), Path.of("/dev/tty"));
        assertEquals("a file and a character device that is no terminal (1:3, mem) are not", List.of(),
                new ListedPaths(SYS, List.of(file, memory)).scan(List.of()));

        Port fromSysfs = new Port("tty", "/dev/tty", Optional.empty(), Optional.empty(), "tty", Optional.empty(), List.of(), false);
        assertEquals("a terminal sysfs already found is not listed twice", List.of(),
                new ListedPaths(SYS, List.of(tty)).scan(List.of(fromSysfs)));
    }

    @Test
    public void onlyAbsolutePathsBelowAFolderCanBeListed() {
        assertEquals(Optional.of("ttyZigbee is not an absolute path to a device"), ListedPaths.unusable(" ttyZigbee"));
        assertEquals(Optional.of("/ is not an absolute path to a device"), ListedPaths.unusable("/"));
        assertEquals(Optional.empty(), ListedPaths.unusable("/run/ttyZigbee"));
        assertEquals(List.of(Path.of("/run/ttyZigbee"), Path.of("/dev/pts/3")),
                ListedPaths.usable(new String[] { "/run/./ttyZigbee", "", "pts/3", "/dev/pts/3" }));
    }
}
