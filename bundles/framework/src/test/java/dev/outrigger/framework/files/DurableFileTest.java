package dev.outrigger.framework.files;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class DurableFileTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void replacesTheContentAndLeavesNoTemporaryFileBehind() throws Exception {
        Path file = folder.getRoot().toPath().resolve("x.cfg");
        DurableFile.replace(file, "a = 1\n".getBytes(StandardCharsets.UTF_8));
        DurableFile.replace(file, "a = 2\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("a = 2\n", Files.readString(file));
        assertEquals(List.of(file), files());
    }

    @Test
    public void aWriterThatFailsLeavesTheOldContentAsItWas() throws Exception {
        Path file = folder.getRoot().toPath().resolve("x.cfg");
        DurableFile.replace(file, "old".getBytes(StandardCharsets.UTF_8));
        IOException e = assertThrows(IOException.class, () -> DurableFile.replace(file, out -> {
            out.write("half of the new".getBytes(StandardCharsets.UTF_8));
            throw new IOException("No space left on device");
        }));
        assertEquals("No space left on device", e.getMessage());
        assertArrayEquals("old".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(file));
        assertEquals(List.of(file), files());
    }

    /** A component deactivated while its thread writes interrupts that thread: the write still completes. */
    @Test
    public void anInterruptedThreadStillWritesTheFile() throws Exception {
        Path file = folder.getRoot().toPath().resolve("x.cfg");
        Thread.currentThread().interrupt();
        try {
            DurableFile.replace(file, "a = 1\n".getBytes(StandardCharsets.UTF_8));
        } finally {
            assertTrue("the interrupt is left for the caller to see", Thread.interrupted());
        }
        assertEquals("a = 1\n", Files.readString(file));
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> all = Files.list(folder.getRoot().toPath())) {
            return all.toList();
        }
    }
}
