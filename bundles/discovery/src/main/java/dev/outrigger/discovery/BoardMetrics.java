package dev.outrigger.discovery;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.outrigger.device.Board;
import dev.outrigger.device.BoardSensors;
import dev.outrigger.framework.metrics.Exposition;
import dev.outrigger.health.MetricSource;

/** The board's power and heat for /metrics, as {@code device:board} shows them; what the board lacks is left out. */
@Component
public class BoardMetrics implements MetricSource {

    @Reference
    private Board board;

    @Override
    public String metrics() {
        BoardSensors sensors = board.sensors();
        Exposition out = new Exposition();
        if (!sensors.temperatures().isEmpty()) {
            out.metric("outrigger_board_temperature_celsius", "gauge",
                    "Each sensor's temperature (thermal zones, a CPU's hardware monitor)");
            sensors.temperatures().forEach(t -> out.sample("outrigger_board_temperature_celsius", t.celsius(),
                    "zone", t.zone(), "type", t.type()));
            out.single("outrigger_board_overheating", "gauge", "1 from when a sensor reaches overheatCelsius until "
                    + "every one is 5 degrees below it", sensors.overheating() ? 1 : 0);
        }
        sensors.underVoltage().ifPresent(under -> out
                .single("outrigger_board_under_voltage", "gauge", "1 from a dip of the supply the Raspberry Pi's firmware "
                        + "reports until a minute without one", under ? 1 : 0)
                .single("outrigger_board_under_voltage_dips_total", "counter", "Dips of the supply, those between two "
                        + "scrapes included", sensors.underVoltageDips()));
        return out.toString();
    }
}
