package dev.outrigger.bridge;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import dev.outrigger.config.SettingsCheck;
import dev.outrigger.config.SettingsException.Problem;

/** Refuses, from the shell and remotely, an allow list the bridges could not use. */
@Component(property = { SettingsCheck.PID + "=" + ConfiguredBridge.FACTORY_PID, SettingsCheck.PID + "=" + AutoBridges.PID })
public class BridgeSettingsCheck implements SettingsCheck {

    @Override
    public List<Problem> problems(Map<String, Object> properties) {
        if (!(properties.get("allow") instanceof String[] allow)) {
            return List.of();
        }
        try {
            AllowList.parse(Arrays.asList(allow));
            return List.of();
        } catch (IllegalArgumentException e) {
            return List.of(new Problem("allow", e.getMessage()));
        }
    }
}
