package dev.outrigger.framework.files;

import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Replaces a file so that a crash or a power cut at any moment leaves either its old content or
 * its new one, never a mix or an empty file: written to a hidden temporary file beside it, synced,
 * renamed over it, and the folder synced so the rename itself is on disk. What an edge node whose
 * power may be cut needs for its configuration and its deployed bundles.
 */
public final class DurableFile {

    /** Writes a file's new content. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private DurableFile() {
    }

    public static void replace(Path file, Content content) throws IOException {
        Path folder = file.toAbsolutePath().getParent();
        Path temporary = folder.resolve("." + file.getFileName() + ".tmp");
        try {
            // a stream, not a FileChannel: an interrupt (a component being deactivated while its
            // thread writes) would close a channel and fail the write
            try (FileOutputStream written = new FileOutputStream(temporary.toFile())) {
                OutputStream out = new FilterOutputStream(written) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        this.out.write(b, off, len);
                    }

                    @Override
                    public void close() throws IOException {
                        flush(); // a writer that closes what it wrote to must not close the file before its sync
                    }
                };
                content.writeTo(out);
                out.flush();
                written.getFD().sync();
            }
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
        try (FileChannel directory = FileChannel.open(folder, StandardOpenOption.READ)) {
            directory.force(true);
        } catch (IOException notSupported) {
            // a file system that cannot sync a folder, or an interrupt: the rename is still atomic, just not yet durable
        }
    }

    public static void replace(Path file, byte[] content) throws IOException {
        replace(file, out -> out.write(content));
    }
}
