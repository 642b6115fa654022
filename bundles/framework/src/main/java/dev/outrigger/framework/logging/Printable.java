package dev.outrigger.framework.logging;

/** Text from outside (the network, a file that may be corrupt), made safe for a log line or a reply. */
public final class Printable {

    private static final int MAX_CHARS = 64;

    private Printable() {
    }

    /** Printable ASCII only (anything else, control characters first, becomes {@code ?}), at most 64 characters. */
    public static String of(String s) {
        String clean = s.replaceAll("[^\\x20-\\x7e]", "?");
        return clean.length() > MAX_CHARS ? clean.substring(0, MAX_CHARS) + "..." : clean;
    }
}
