package dev.outrigger.launcher;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * One runtime per data folder. Felix does not lock its cache, and neither it nor the outbox nor the
 * broker's store is made for two processes at once: a second start on the same folder (a manual
 * start beside the systemd service, two pods sharing a hostPath) would corrupt them and take the
 * first one's shell port file away. The lock is held until the process ends, however it ends: the
 * operating system releases it after a kill or a crash too.
 */
final class DataLock {

    static final String FILE = "lock";

    /** Kept for the life of the process: closing the channel would release the lock. */
    private static FileChannel held;

    private DataLock() {
    }

    /**
     * Takes the folder's lock for this process.
     *
     * @return empty if taken; otherwise who holds it, as far as its lock file says ({@code pid 1234})
     */
    static synchronized Optional<String> take(Path data) throws IOException {
        Files.createDirectories(data);
        Path file = data.resolve(FILE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock();
        if (lock == null) {
            channel.close();
            String content = Files.readString(file, StandardCharsets.UTF_8).trim();
            return Optional.of(content.isEmpty() ? "a process" : "pid " + content);
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)));
        held = channel;
        return Optional.empty();
    }
}
