package dev.outrigger.bridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

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
                }, why -> {
                })) {
            assertEquals("BREAK off", 6, link.control(4));
            link.control(5);
            assertEquals("BREAK on", 5, link.control(4));
            link.control(6);
            assertEquals("BREAK off again", 6, link.control(4));
        }
    }

    /**
     * The bridge closes the link from the reader's own thread when the port is lost, holding its
     * lock: a reader that waited for itself to end kept discovery from reporting the unplug for a second.
     */
    @Test
    public void closingTheLinkOnLosingThePortDoesNotWaitForTheReaderItself() throws Exception {
        CompletableFuture<Long> closeNanos = new CompletableFuture<>();
        CompletableFuture<String> reason = new CompletableFuture<>();
        AtomicReference<SerialLink> link = new AtomicReference<>();
        PtyPair pty = new PtyPair(folder.getRoot().toPath());
        String path = pty.device.toRealPath().toString();
        try {
            link.set(new SerialLink(path, SerialSettings.DEFAULT, data -> {
            }, why -> {
                reason.complete(why);
                long start = System.nanoTime();
                link.get().close();
                closeNanos.complete(System.nanoTime() - start);
            }));
        } finally {
            pty.close(); // unplugged
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(closeNanos.get(10, TimeUnit.SECONDS));
        assertTrue("closed at once, not after waiting for its own thread: " + millis + " ms", millis < 500);
        String why = reason.get();
        assertTrue("the log says which port failed and how: " + why,
                why.startsWith("read from " + path) && why.matches(".* failed \\(error -?\\d+\\)"));
    }
}
