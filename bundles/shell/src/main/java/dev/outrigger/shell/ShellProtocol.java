package dev.outrigger.shell;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The shell port's wire format, used by the server ({@link ShellPort}) and the client ({@link ShellClient}).
 */
final class ShellProtocol {

    static final int DEFAULT_PORT = 7171;
    static final String PORT_FILE = "shell.port";
    /** Precedes the exit status at the end of a reply; never appears in text output. */
    static final char STATUS_MARK = '\u0000';
    static final int STATUS_OK = 0;
    static final int STATUS_FAILED = 1;
    static final int STATUS_DENIED = 3;
    /**
     * The optional third request line: the client keeps its side of the connection open while it
     * waits, so its closing means it went away (a Ctrl-C, a killed script) and the command is
     * interrupted. Clients that close their side after the command are not watched.
     */
    static final String WATCH = "watch";
    private static final int MAX_LINE = 64 * 1024;

    private ShellProtocol() {
    }

    static byte[] trailer(int status) {
        return (STATUS_MARK + Integer.toString(status) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Reads one UTF-8 line without its terminator; null at end of stream. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (line.size() >= MAX_LINE) {
                throw new IOException("request line longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
        if (b == -1 && line.size() == 0) {
            return null;
        }
        String s = line.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
