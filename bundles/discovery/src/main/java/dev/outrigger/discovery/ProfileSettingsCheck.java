package dev.outrigger.discovery;

import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import dev.outrigger.config.SettingsCheck;
import dev.outrigger.config.SettingsException.Problem;

/** Refuses, from the shell and remotely, a profile that could not match as meant. */
@Component(property = SettingsCheck.PID + "=" + ConfiguredProfile.FACTORY_PID)
public class ProfileSettingsCheck implements SettingsCheck {

    @Override
    public List<Problem> problems(Map<String, Object> properties) {
        return ConfiguredProfile.problems(properties);
    }
}
