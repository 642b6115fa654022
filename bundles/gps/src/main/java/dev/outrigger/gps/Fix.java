package dev.outrigger.gps;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * What the receiver last said about where it is, in gpsd's terms: {@code mode} 1 is no fix, 2 a
 * 2D fix (latitude and longitude), 3 a 3D fix (with altitude).
 *
 * @param time      the receiver's UTC time of the fix, once it has sent a date
 * @param altMsl    metres above mean sea level
 * @param speed     metres per second over ground
 * @param track     degrees from true north
 * @param satellites satellites used in the fix
 */
record Fix(int mode, Optional<Instant> time, OptionalDouble lat, OptionalDouble lon, OptionalDouble altMsl,
        OptionalDouble speed, OptionalDouble track, OptionalInt satellites, OptionalDouble hdop) {

    static final Fix NONE = new Fix(1, Optional.empty(), OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(),
            OptionalDouble.empty(), OptionalDouble.empty(), OptionalInt.empty(), OptionalDouble.empty());

    boolean hasPosition() {
        return mode >= 2 && lat.isPresent() && lon.isPresent();
    }
}
