package dev.outrigger.gps;

import java.util.Optional;

/**
 * NMEA 0183 sentences as GPS receivers send them: {@code $GPRMC,...*hh}. A sentence counts only
 * with a correct checksum; the talker (GP, GN, GL, GA, BD...) is dropped, so that a GNSS receiver's
 * {@code $GNRMC} reads like a GPS one's {@code $GPRMC}. Proprietary sentences ({@code $P...}) are
 * not read.
 */
final class Nmea {

    /** NMEA allows 82 characters; some receivers exceed it a little, nothing legitimate by this much. */
    static final int MAX_LENGTH = 128;

    /** A checked sentence: its type (e.g. {@code RMC}) and the fields after it. */
    record Sentence(String type, String[] fields) {

        String field(int i) {
            return i < fields.length ? fields[i] : "";
        }
    }

    private Nmea() {
    }

    /** The sentence in a line, or empty for anything else: wrong checksum, no checksum, not NMEA. */
    static Optional<Sentence> parse(String line) {
        int star = line.lastIndexOf('*');
        if (line.length() > MAX_LENGTH || !line.startsWith("$") || star < 0 || star + 3 != line.length()) {
            return Optional.empty();
        }
        int sum = 0;
        for (int i = 1; i < star; i++) {
            sum ^= line.charAt(i);
        }
        int declared = hex(line.charAt(star + 1)) << 4 | hex(line.charAt(star + 2));
        if (declared != sum) {
            return Optional.empty();
        }
        String[] parts = line.substring(1, star).split(",", -1);
        String address = parts[0];
        if (address.length() != 5 || address.startsWith("P")) {
            return Optional.empty();
        }
        String[] fields = new String[parts.length - 1];
        System.arraycopy(parts, 1, fields, 0, fields.length);
        return Optional.of(new Sentence(address.substring(2), fields));
    }

    private static int hex(char c) {
        int d = Character.digit(c, 16);
        return d < 0 ? 0x100 : d; // never equals a checksum byte
    }

    /** {@code ddmm.mmmm} (latitude) or {@code dddmm.mmmm} (longitude) and its hemisphere, in degrees. */
    static Optional<Double> coordinate(String value, String hemisphere) {
        int dot = value.indexOf('.');
        int minutesStart = (dot < 0 ? value.length() : dot) - 2;
        if (minutesStart < 1) {
            return Optional.empty();
        }
        try {
            double degrees = Integer.parseInt(value.substring(0, minutesStart))
                    + Double.parseDouble(value.substring(minutesStart)) / 60;
            return switch (hemisphere) {
                case "N", "E" -> Optional.of(degrees);
                case "S", "W" -> Optional.of(-degrees);
                default -> Optional.empty();
            };
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    static Optional<Double> number(String value) {
        if (value.isEmpty()) {
            return Optional.empty();
        }
        try {
            double d = Double.parseDouble(value);
            return Double.isFinite(d) ? Optional.of(d) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
