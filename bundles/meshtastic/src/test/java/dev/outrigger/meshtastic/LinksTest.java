package dev.outrigger.meshtastic;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.io.IOException;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.outrigger.bridge.PtyPair;
import dev.outrigger.meshtastic.RadioSession.Link;

public class LinksTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    /**
     * A radio whose firmware hung with its USB port still there takes nothing more (here: the far
     * end of the pseudo-terminal is never read, so writes block once its buffers are full). The
     * write is given up on at its deadline, and the reader hears why too.
     */
    @Test(timeout = 30_000)
    public void aWriteTheRadioDoesNotTakeIsGivenUpOnInWords() throws Exception {
        try (PtyPair pty = new PtyPair(folder.newFolder("pty").toPath()); Link link = Links.serial(pty.device.toRealPath().toString(),
                115200, 1_000)) {
            byte[] frames = new byte[4096];
            IOException hung = assertThrows(IOException.class, () -> {
                while (true) {
                    link.out().write(frames);
                }
            });
            String words = "the radio took nothing written to it for 1 s: has its firmware hung? (unplug it and plug it in again)";
            assertEquals(words, hung.getMessage());
            assertEquals(words, assertThrows(IOException.class, () -> link.in().read(new byte[64], 0, 64)).getMessage());
        }
    }
}
