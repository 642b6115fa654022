package dev.outrigger.discovery;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.outrigger.device.BoardSensors;
import dev.outrigger.device.BoardSensors.Temperature;

public class PowerAndHeatTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void aRaspberryPisUnderVoltageLastsFromADipUntilAMinuteWithoutOneAndEachDipIsCounted() throws Exception {
        FakeSysfs tree = new FakeSysfs(folder.getRoot().toPath());
        tree.underVoltageAlarm(false);
        AtomicLong clock = new AtomicLong();
        PowerAndHeat sensors = new PowerAndHeat(tree.sys, 80, clock::get);
        assertEquals(Optional.of(false), sensors.look().underVoltage());
        tree.underVoltageAlarm(true);
        assertEquals(Optional.of(true), sensors.look().underVoltage());
        assertEquals("a dip, however many looks it lasts", 1, sensors.look().underVoltageDips());
        // a radio transmitting now and then: the supply dips again before the minute is up
        tree.underVoltageAlarm(false);
        clock.addAndGet(TimeUnit.SECONDS.toNanos(30));
        assertEquals(Optional.of(true), sensors.look().underVoltage());
        tree.underVoltageAlarm(true);
        BoardSensors second = sensors.look();
        assertEquals(2, second.underVoltageDips());
        assertEquals("what the last look saw", second, sensors.last());
        tree.underVoltageAlarm(false);
        clock.addAndGet(TimeUnit.SECONDS.toNanos(59));
        assertEquals("not yet a minute since the last dip", Optional.of(true), sensors.look().underVoltage());
        clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
        assertEquals(Optional.of(false), sensors.look().underVoltage());
        assertEquals(2, sensors.last().underVoltageDips());
    }

    @Test
    public void overheatingBeginsAtTheLimitAndEndsFiveDegreesBelowIt() throws Exception {
        FakeSysfs tree = new FakeSysfs(folder.getRoot().toPath());
        tree.thermalZone(0, "acpitz", 40);
        tree.thermalZone(10, "x86_pkg_temp", 79.9);
        tree.thermalZone(2, "iwlwifi_1", 35);
        PowerAndHeat sensors = new PowerAndHeat(tree.sys, 80);
        BoardSensors cool = sensors.look();
        assertEquals("zones by number, in degrees", List.of(new Temperature("thermal_zone0", "acpitz", 40),
                new Temperature("thermal_zone2", "iwlwifi_1", 35), new Temperature("thermal_zone10", "x86_pkg_temp", 79.9)),
                cool.temperatures());
        assertFalse(cool.overheating());
        tree.thermalZone(10, "x86_pkg_temp", 80);
        assertTrue(sensors.look().overheating());
        tree.thermalZone(10, "x86_pkg_temp", 75.5);
        assertTrue("not yet 5 °C below the limit", sensors.look().overheating());
        tree.thermalZone(10, "x86_pkg_temp", 74.9);
        assertFalse(sensors.look().overheating());
    }

    @Test
    public void aZoneThatCannotBeReadIsLeftOutAndAMachineWithoutSensorsHasNone() throws Exception {
        FakeSysfs tree = new FakeSysfs(folder.getRoot().toPath());
        assertEquals(new BoardSensors(List.of(), Optional.empty(), 0, false, 80), new PowerAndHeat(tree.sys, 80).look());
        tree.thermalZone(0, "cpu-thermal", 52.25);
        tree.thermalZone(1, "iwlwifi_1", 0);
        FakeSysfs.write(tree.sys.resolve("class/thermal/thermal_zone1/temp"), "");
        assertEquals(List.of(new Temperature("thermal_zone0", "cpu-thermal", 52.25)), new PowerAndHeat(tree.sys, 80).look().temperatures());
    }

    /** An HP t630 or t640: an AMD CPU whose sensor is a hardware monitor only, beside a disk's. */
    @Test
    public void aCpuSeenOnlyByItsHardwareMonitorIsRead() throws Exception {
        FakeSysfs tree = new FakeSysfs(folder.getRoot().toPath());
        tree.hardwareMonitor(0, "nvme", 45);
        tree.hardwareMonitor(1, "k10temp", 71.5);
        PowerAndHeat sensors = new PowerAndHeat(tree.sys, 80);
        assertEquals("the CPU's, not the disk's", List.of(new Temperature("hwmon1", "k10temp", 71.5)), sensors.look().temperatures());
        tree.hardwareMonitor(1, "k10temp", 80.5);
        assertTrue(sensors.look().overheating());
    }

    @Test
    public void theLimitMovesWithoutLosingWhatWasCounted() throws Exception {
        FakeSysfs tree = new FakeSysfs(folder.getRoot().toPath());
        tree.underVoltageAlarm(true);
        tree.thermalZone(0, "cpu-thermal", 62);
        PowerAndHeat sensors = new PowerAndHeat(tree.sys, 80);
        assertFalse(sensors.look().overheating());
        sensors.overheatAt(60);
        BoardSensors lower = sensors.look();
        assertTrue(lower.overheating());
        assertEquals(60, lower.overheatCelsius(), 0);
        assertEquals("the dip seen before is still counted, and still the one", 1, lower.underVoltageDips());
        assertEquals(Optional.of(true), lower.underVoltage());
    }
}
