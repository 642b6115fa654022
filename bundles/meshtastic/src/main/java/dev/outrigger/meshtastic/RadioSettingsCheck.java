package dev.outrigger.meshtastic;

import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import dev.outrigger.config.SettingsCheck;
import dev.outrigger.config.SettingsException.Problem;

/** Refuses, from the shell and remotely, a radio address that is neither a device path nor host[:port]. */
@Component(property = SettingsCheck.PID + "=" + ConfiguredRadio.PID)
public class RadioSettingsCheck implements SettingsCheck {

    @Override
    public List<Problem> problems(Map<String, Object> properties) {
        if (!(properties.get("address") instanceof String address) || address.isBlank()) {
            return List.of();
        }
        try {
            RadioAddress.parse(address);
            return List.of();
        } catch (IllegalArgumentException e) {
            return List.of(new Problem("address", e.getMessage()));
        }
    }
}
