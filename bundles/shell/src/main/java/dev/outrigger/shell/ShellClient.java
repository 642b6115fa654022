package dev.outrigger.shell;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * bin/outrigger-shell: runs one Gogo command in the running runtime and exits with its status.
 * Started as a plain Java program from this bundle's jar, so it shares {@link ShellProtocol}
 * with the server side instead of copying it.
 */
public final class ShellClient {

    /** Exit status when the runtime cannot be reached at all. */
    static final int STATUS_UNREACHABLE = 2;

    private ShellClient() {
    }

    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: outrigger-shell '<gogo command>'");
            System.exit(64);
        }
        Path data = Path.of(System.getProperty("outrigger.data", "data"));
        System.exit(run(data, String.join(" ", args), System.out, System.err));
    }

    /**
     * Runs one command in the runtime whose data folder is given, as {@code bin/outrigger-shell}
     * does, for callers in a JVM of their own (tests that ask the shell often).
     *
     * @return the command's exit status, or {@link #STATUS_UNREACHABLE}
     */
    public static int run(Path data, String command, OutputStream stdout, PrintStream stderr) {
        String[] portAndToken;
        try {
            portAndToken = Files.readString(data.resolve(ShellProtocol.PORT_FILE)).trim().split(" ", 2);
        } catch (NoSuchFileException e) {
            stderr.println("outrigger-shell: runtime not reachable: " + e.getFile()
                    + " is missing (runtime not running, or its shell port is off)");
            return STATUS_UNREACHABLE;
        } catch (IOException e) {
            stderr.println("outrigger-shell: cannot read the shell port file: " + e);
            return STATUS_UNREACHABLE;
        }
        int port = Integer.parseInt(portAndToken[0]);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2_000);
            OutputStream request = socket.getOutputStream();
            // kept open until this process ends: the runtime stops the command of a client gone
            request.write((portAndToken[1] + "\n" + command.replace('\n', ' ') + "\n" + ShellProtocol.WATCH + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            request.flush();
            return copyReply(new BufferedInputStream(socket.getInputStream()), stdout);
        } catch (IOException e) {
            stderr.println("outrigger-shell: runtime not reachable on 127.0.0.1:" + port + ": " + e.getMessage());
            return STATUS_UNREACHABLE;
        }
    }

    /** Copies the command's output and returns the status that follows the mark. */
    private static int copyReply(InputStream in, OutputStream stdout) throws IOException {
        OutputStream out = new BufferedOutputStream(stdout);
        int b;
        while ((b = in.read()) != -1 && b != ShellProtocol.STATUS_MARK) {
            out.write(b);
            if (in.available() == 0) {
                out.flush(); // before waiting for more: what a tail prints is seen as it comes
            }
        }
        out.flush();
        if (b == -1) {
            throw new IOException("the runtime closed the connection before the command finished");
        }
        String status = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        return Integer.parseInt(status);
    }
}
