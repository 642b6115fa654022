package dev.outrigger.device;

import java.util.List;
import java.util.Optional;

/**
 * The board's power and heat at the last look, a few seconds ago at most: what Linux's thermal
 * zones, the CPU's hardware monitor and a Raspberry Pi's under-voltage alarm say. A supply that sags resets USB radios and
 * sticks and corrupts SD cards; a board that overheats is throttled.
 *
 * @param temperatures each sensor that could be read; empty where Linux shows none (a VM)
 * @param underVoltage whether the supply fell below what the board needs, from the first dip until
 *        it has been normal for a minute; empty on a board without such an alarm (anything but a
 *        Raspberry Pi)
 * @param underVoltageDips how often the alarm was raised since the look began, dips too short
 *        to be seen by anyone asking now and then included
 * @param overheating whether a sensor reached {@code overheatCelsius}, until every one cooled 5 °C
 *        below it
 * @param overheatCelsius the configured limit
 */
public record BoardSensors(List<Temperature> temperatures, Optional<Boolean> underVoltage, long underVoltageDips,
        boolean overheating, double overheatCelsius) {

    public BoardSensors {
        temperatures = List.copyOf(temperatures);
    }

    /**
     * One sensor: a thermal zone, or a CPU's hardware monitor.
     *
     * @param zone its name in sysfs, e.g. {@code thermal_zone0} or {@code hwmon1}
     * @param type what it measures, e.g. {@code cpu-thermal} (Raspberry Pi), {@code x86_pkg_temp} or
     *        {@code k10temp} (an AMD CPU)
     * @param celsius its temperature
     */
    public record Temperature(String zone, String type, double celsius) {
    }
}
