package dev.outrigger.framework.logging;

/**
 * Text from outside (the network, the mesh, a file that may be corrupt), made safe for a log line,
 * a reply or the operator's terminal: no control character gets through to clear a screen or
 * forge a line.
 */
public final class Printable {

    private static final int MAX_CHARS = 64;

    private Printable() {
    }

    /** Printable ASCII only (anything else becomes {@code ?}), at most 64 characters: for names that should be ASCII. */
    public static String of(String s) {
        String clean = s.replaceAll("[^\\x20-\\x7e]", "?");
        return clean.length() > MAX_CHARS ? clean.substring(0, MAX_CHARS) + "..." : clean;
    }

    /** Every control character (line breaks too) becomes {@code ?}; other Unicode, emoji included, is kept: for names people choose. */
    public static String line(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return out.toString();
    }
}
