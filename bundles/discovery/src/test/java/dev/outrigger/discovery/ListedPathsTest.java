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

    @Test
    public void aListedLinkToACharacterDeviceIsAPortUnderItsOwnPathWhileItExists() throws Exception {
        Path link = folder.getRoot().toPath().resolve("ttyZigbee");
        ListedPaths listed = new ListedPaths(List.of(link));
        assertEquals(List.of(), listed.scan(List.of()));

        Files.createSymbolicLink(link, Path.of("/dev/null"));
        Port port = listed.scan(List.of()).get(0);
        assertEquals(link.toString(), port.path());
        assertEquals("ttyZigbee", port.id());
        assertEquals("unknown", port.driver());
        assertEquals(Optional.empty(), port.usb());

        Files.delete(link);
        assertEquals(List.of(), listed.scan(List.of()));
    }

    @Test
    public void aPathThatIsNoDeviceOrThatSysfsAlreadyFoundIsNotListedTwice() throws Exception {
        Path file = Files.writeString(folder.getRoot().toPath().resolve("ttyFILE"), "not a device");
        Path link = Files.createSymbolicLink(folder.getRoot().toPath().resolve("ttyNULL"), Path.of("/dev/null"));
        Port fromSysfs = new Port("null", "/dev/null", Optional.empty(), Optional.empty(), "mem", Optional.empty(), List.of());

        assertEquals(List.of(), new ListedPaths(List.of(file, link)).scan(List.of(fromSysfs)));
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
