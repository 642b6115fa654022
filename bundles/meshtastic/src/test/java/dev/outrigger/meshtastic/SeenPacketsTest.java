package dev.outrigger.meshtastic;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class SeenPacketsTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void aRecordedPacketIsKnownAfterTheProcessDiedWithoutClosing() throws IOException {
        Path file = folder.getRoot().toPath().resolve("seen");
        SeenPackets before = new SeenPackets(file);
        before.add(0xdeadbeefL, 7);
        before.add(0xdeadbeefL, 0xfffffff0L);
        // not closed, as after kill -9: what was appended is in the file already

        SeenPackets after = new SeenPackets(file);
        assertTrue(after.recorded(0xdeadbeefL, 7));
        assertTrue(after.recorded(0xdeadbeefL, 0xfffffff0L));
        assertFalse(after.recorded(0xdeadbeefL, 8));
        assertFalse(after.recorded(0x1234L, 7));
    }

    @Test
    public void aPartlyWrittenLastEntryLeavesTheOthersKnown() throws IOException {
        Path file = folder.getRoot().toPath().resolve("seen");
        try (SeenPackets before = new SeenPackets(file)) {
            before.add(1, 1);
            before.add(1, 2);
        }
        Files.write(file, new byte[] { 0, 0, 0 }, StandardOpenOption.APPEND);

        SeenPackets after = new SeenPackets(file);
        assertTrue(after.recorded(1, 1));
        assertTrue(after.recorded(1, 2));
        after.add(1, 3);
        assertTrue(new SeenPackets(file).recorded(1, 3));
    }

    @Test
    public void theMostRecentAreKeptAndTheJournalStaysBounded() throws IOException {
        Path file = folder.getRoot().toPath().resolve("seen");
        SeenPackets seen = new SeenPackets(file);
        int added = 5 * SeenPackets.KEPT + 17;
        for (int id = 1; id <= added; id++) {
            seen.add(9, id);
            assertTrue(Files.size(file) <= 2L * SeenPackets.KEPT * Long.BYTES);
        }

        SeenPackets after = new SeenPackets(file);
        assertTrue(after.recorded(9, added));
        assertTrue(after.recorded(9, added - SeenPackets.KEPT + 1));
        assertFalse(after.recorded(9, added - SeenPackets.KEPT));
        assertFalse(after.recorded(9, 1));
    }

    @Test
    public void withoutAFileTheyAreKnownInMemory() {
        SeenPackets seen = new SeenPackets(null);
        seen.add(3, 4);
        assertTrue(seen.recorded(3, 4));
        assertFalse(seen.recorded(4, 3));
    }
}
