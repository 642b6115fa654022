package dev.outrigger.bridge;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A pseudo-terminal pair from socat: one end plays the serial device, the test holds the other.
 * Shared with the integration tests (test-jar).
 */
public final class PtyPair implements AutoCloseable {

    public final Path device;
    public final Path peer;
    private final Process socat;

    public PtyPair(Path folder) throws IOException, InterruptedException {
        device = folder.resolve("ttyDEVICE");
        peer = folder.resolve("ttyPEER");
        Path log = folder.resolve("socat.log");
        socat = new ProcessBuilder("socat", "-d", "-d", "pty,raw,echo=0,link=" + device, "pty,raw,echo=0,link=" + peer)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        // Ready once relaying, not once the links exist: socat 1.7.4 defers a SIGTERM that comes
        // in between to its relay loop, which then waits for data that never comes (7 in 300 here).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(Files.exists(log) && Files.readString(log).contains("starting data transfer loop"))) {
            if (!socat.isAlive() || System.nanoTime() > deadline) {
                throw new IOException("socat did not create the pty pair: " + Files.readString(log));
            }
            LockSupport.parkNanos(10_000_000);
        }
    }

    /**
     * Reads exactly n bytes from a pty or a socket, within 10 s. A helper thread does the reading,
     * with plain read() calls: FileInputStream.readNBytes seeks, which a tty refuses.
     */
    public static byte[] readFully(InputStream in, int n) throws Exception {
        FutureTask<byte[]> read = new FutureTask<>(() -> {
            byte[] data = new byte[n];
            for (int off = 0; off < n;) {
                int r = in.read(data, off, n - off);
                if (r < 0) {
                    throw new IOException("end of stream after " + off + " bytes");
                }
                off += r;
            }
            return data;
        });
        Thread t = new Thread(read, "pty-read");
        t.setDaemon(true);
        t.start();
        return read.get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        socat.destroy();
        if (!socat.waitFor(2, TimeUnit.SECONDS)) {
            socat.destroy(); // a SIGTERM socat deferred: a second one ends its relay loop
            socat.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
