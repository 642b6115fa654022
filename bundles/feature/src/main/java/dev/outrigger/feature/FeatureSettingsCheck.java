package dev.outrigger.feature;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.outrigger.config.SettingsCheck;
import dev.outrigger.config.SettingsException.Problem;

/** Refuses, from the shell and remotely, a feature list naming a feature this distribution does not have. */
@Component(property = SettingsCheck.PID + "=" + RequiredFeatures.PID)
public class FeatureSettingsCheck implements SettingsCheck {

    private final Features features;

    @Activate
    public FeatureSettingsCheck(@Reference Features features) {
        this.features = features;
    }

    @Override
    public List<Problem> problems(Map<String, Object> properties) {
        try {
            for (String name : RequiredFeatures.names(properties.get("install"))) {
                features.find(name);
            }
            return List.of();
        } catch (IllegalArgumentException | IOException e) {
            return List.of(new Problem("install", e.getMessage()));
        }
    }
}
