package dev.outrigger.bridge;

import static org.junit.Assert.assertEquals;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.outrigger.device.SerialSettings;

public class SerialLinkTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void anRfc2217ClientAskingForTheBreakStateIsToldWhatItLastSet() throws Exception {
        try (PtyPair pty = new PtyPair(folder.getRoot().toPath());
                SerialLink link = new SerialLink(pty.device.toRealPath().toString(), SerialSettings.DEFAULT, data -> {
                }, () -> {
                })) {
            assertEquals("BREAK off", 6, link.control(4));
            link.control(5);
            assertEquals("BREAK on", 5, link.control(4));
            link.control(6);
            assertEquals("BREAK off again", 6, link.control(4));
        }
    }
}
