package dev.outrigger.framework;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * For tests: free loopback ports, so tests never collide with each other or with a running gateway. Taken
 * below the kernel's ephemeral range (32768 and up by default), where listeners on port 0 (the
 * gateway's shell port) and outgoing connections get theirs: a port handed out here cannot be
 * given to one of those before the test binds it, as one the kernel chose could (and was, once
 * in many runs, to the shell port of the very gateway whose broker was to listen on it).
 */
public final class Ports {

    private static final int LOWEST = 20_000;
    private static final int HIGHEST = 32_767;

    private Ports() {
    }

    public static int free() {
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, HIGHEST + 1);
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
                return port;
            } catch (IOException taken) {
                // another one
            }
        }
        throw new IllegalStateException("no free loopback port from " + LOWEST + " to " + HIGHEST);
    }
}
