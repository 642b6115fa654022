package dev.outrigger.discovery;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import dev.outrigger.config.SettingsCheck;
import dev.outrigger.config.SettingsException.Problem;

/** Refuses, from the shell and remotely, a device path discovery could not list. */
@Component(property = SettingsCheck.PID + "=" + Discovery.PID)
public class DiscoverySettingsCheck implements SettingsCheck {

    @Override
    public List<Problem> problems(Map<String, Object> properties) {
        if (!(properties.get("devicePaths") instanceof String[] paths)) {
            return List.of();
        }
        return Arrays.stream(paths).flatMap(p -> ListedPaths.unusable(p).stream()).map(why -> new Problem("devicePaths", why))
                .toList();
    }
}
