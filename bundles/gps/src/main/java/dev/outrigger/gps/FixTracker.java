package dev.outrigger.gps;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

import dev.outrigger.gps.Nmea.Sentence;

/**
 * Builds the current {@link Fix} from the sentences of each reporting cycle: RMC (time, date,
 * validity, position, speed, track), GGA (fix quality, position, altitude, satellites, HDOP) and
 * GSA (2D or 3D). Values a sentence leaves empty are cleared, so a lost fix is never reported with
 * the last good position. Not thread-safe: one reader feeds it.
 */
final class FixTracker {

    private static final double KNOTS_TO_METRES_PER_SECOND = 1852.0 / 3600;

    private LocalDate date;
    private Instant time;
    private boolean rmcValid;
    private int ggaQuality;
    /** From GSA; 0 until a receiver sends one (many send RMC and GGA only). */
    private int gsaMode;
    private OptionalDouble lat = OptionalDouble.empty();
    private OptionalDouble lon = OptionalDouble.empty();
    private OptionalDouble altMsl = OptionalDouble.empty();
    private OptionalDouble speed = OptionalDouble.empty();
    private OptionalDouble track = OptionalDouble.empty();
    private OptionalInt satellites = OptionalInt.empty();
    private OptionalDouble hdop = OptionalDouble.empty();

    /** Applies one sentence; true when it was one of those a fix is made of. */
    boolean apply(Sentence s) {
        switch (s.type()) {
            case "RMC" -> {
                rmcValid = s.field(1).equals("A") && !s.field(11).equals("N");
                date = date(s.field(8)).orElse(date);
                time = instant(s.field(0)).orElse(null);
                position(s.field(2), s.field(3), s.field(4), s.field(5));
                speed = map(Nmea.number(s.field(6)).map(knots -> knots * KNOTS_TO_METRES_PER_SECOND));
                // 360 is north as 0 is, and gpsd says 0
                track = map(Nmea.number(s.field(7)).filter(d -> d >= 0 && d <= 360).map(d -> d % 360));
            }
            case "GGA" -> {
                ggaQuality = Nmea.number(s.field(5)).map(Double::intValue).orElse(0);
                position(s.field(1), s.field(2), s.field(3), s.field(4));
                altMsl = map(Nmea.number(s.field(8)));
                Optional<Double> used = Nmea.number(s.field(6)).filter(n -> n >= 0 && n < 1000);
                satellites = used.isPresent() ? OptionalInt.of(used.get().intValue()) : OptionalInt.empty();
                hdop = map(Nmea.number(s.field(7)));
                time = instant(s.field(0)).orElse(time);
            }
            case "GSA" -> gsaMode = Nmea.number(s.field(1)).map(Double::intValue).filter(m -> m >= 1 && m <= 3).orElse(0);
            default -> {
                return false;
            }
        }
        return true;
    }

    Fix fix() {
        boolean valid = (rmcValid || ggaQuality > 0) && lat.isPresent() && lon.isPresent();
        int mode = !valid ? 1 : gsaMode >= 2 ? gsaMode : altMsl.isPresent() ? 3 : 2;
        if (mode == 1) {
            return new Fix(1, Optional.ofNullable(time), OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(),
                    OptionalDouble.empty(), OptionalDouble.empty(), satellites, OptionalDouble.empty());
        }
        return new Fix(mode, Optional.ofNullable(time), lat, lon, mode == 3 ? altMsl : OptionalDouble.empty(), speed, track,
                satellites, hdop);
    }

    private void position(String latitude, String ns, String longitude, String ew) {
        lat = map(Nmea.coordinate(latitude, ns).filter(d -> Math.abs(d) <= 90));
        lon = map(Nmea.coordinate(longitude, ew).filter(d -> Math.abs(d) <= 180));
    }

    /** {@code hhmmss.ss} on the last date an RMC gave; nothing before the first date. */
    private Optional<Instant> instant(String hhmmss) {
        if (date == null || hhmmss.length() < 6) {
            return Optional.empty();
        }
        try {
            int h = Integer.parseInt(hhmmss.substring(0, 2));
            int m = Integer.parseInt(hhmmss.substring(2, 4));
            double seconds = Double.parseDouble(hhmmss.substring(4));
            LocalTime t = LocalTime.of(h, m, (int) seconds, (int) Math.round((seconds % 1) * 1000) * 1_000_000);
            return Optional.of(date.atTime(t).toInstant(ZoneOffset.UTC));
        } catch (NumberFormatException | DateTimeException e) {
            return Optional.empty();
        }
    }

    /** {@code ddmmyy}; GPS began in 1980, so 80-99 are the 1900s and the rest the 2000s. */
    private static Optional<LocalDate> date(String ddmmyy) {
        if (ddmmyy.length() != 6) {
            return Optional.empty();
        }
        try {
            int yy = Integer.parseInt(ddmmyy.substring(4));
            return Optional.of(LocalDate.of(yy >= 80 ? 1900 + yy : 2000 + yy, Integer.parseInt(ddmmyy.substring(2, 4)),
                    Integer.parseInt(ddmmyy.substring(0, 2))));
        } catch (NumberFormatException | DateTimeException e) {
            return Optional.empty();
        }
    }

    private static OptionalDouble map(Optional<Double> value) {
        return value.isPresent() ? OptionalDouble.of(value.get()) : OptionalDouble.empty();
    }
}
