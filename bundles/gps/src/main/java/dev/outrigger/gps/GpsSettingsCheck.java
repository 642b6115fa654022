package dev.outrigger.gps;

import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import dev.outrigger.config.SettingsCheck;
import dev.outrigger.config.SettingsException.Problem;

/** Refuses, from the shell and remotely, a gpsd address that is not host[:port]. */
@Component(property = SettingsCheck.PID + "=" + GpsReceivers.PID)
public class GpsSettingsCheck implements SettingsCheck {

    @Override
    public List<Problem> problems(Map<String, Object> properties) {
        if (!(properties.get("gpsd") instanceof String gpsd) || gpsd.isBlank()) {
            return List.of();
        }
        try {
            Gpsd.address(gpsd);
            return List.of();
        } catch (IllegalArgumentException e) {
            return List.of(new Problem("gpsd", e.getMessage()));
        }
    }
}
