package dev.outrigger.shell;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.outrigger.framework.Ports;

/** The client side of the shell port against a minimal server speaking {@link ShellProtocol}. */
public class ShellClientTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    @Test
    public void printsTheOutputAndReturnsTheCommandsStatus() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path data = portFile(server.getLocalPort(), "secret");
            CompletableFuture<String[]> request = CompletableFuture.supplyAsync(() -> answer(server, "line 1\nline 2\n", 1));

            int status = ShellClient.run(data, "lb", out, err);

            assertEquals(1, status);
            assertEquals("line 1\nline 2\n", out.toString(StandardCharsets.UTF_8));
            assertEquals("secret", request.get()[0]);
            assertEquals("lb", request.get()[1]);
        }
    }

    @Test
    public void reportsAnUnreachableRuntimeWithStatus2() throws Exception {
        int status = ShellClient.run(folder.getRoot().toPath(), "lb", out, err);
        assertEquals(ShellClient.STATUS_UNREACHABLE, status);
        String message = errBytes.toString(StandardCharsets.UTF_8);
        assertTrue(message, message.contains("not reachable"));

        Path stale = portFile(Ports.free(), "t");
        assertEquals(ShellClient.STATUS_UNREACHABLE, ShellClient.run(stale, "lb", out, err));
    }

    /** A refresh of the shell's bundle closes the port as a client connects: it must not wait for ever. */
    @Test
    public void aClientTurnedAwayAsTheShellStopsIsToldWhyAndEndsAsUnreachable() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path data = portFile(server.getLocalPort(), "secret");
            CompletableFuture<Void> turnedAway = CompletableFuture.runAsync(() -> {
                try {
                    ShellPort.turnAway(server.accept());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });

            assertEquals(ShellClient.STATUS_UNREACHABLE, ShellClient.run(data, "health", out, err));
            assertEquals("the shell is restarting (its bundle is being updated or refreshed); try again\n",
                    out.toString(StandardCharsets.UTF_8));
            turnedAway.get(5, TimeUnit.SECONDS);
        }
    }

    private Path portFile(int port, String token) throws Exception {
        Path data = folder.getRoot().toPath();
        Files.writeString(data.resolve(ShellProtocol.PORT_FILE), port + " " + token + "\n");
        return data;
    }

    private static String[] answer(ServerSocket server, String output, int status) {
        try (Socket s = server.accept()) {
            String token = ShellProtocol.readLine(s.getInputStream());
            String command = ShellProtocol.readLine(s.getInputStream());
            s.getOutputStream().write(output.getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().write(ShellProtocol.trailer(status));
            return new String[] { token, command };
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
