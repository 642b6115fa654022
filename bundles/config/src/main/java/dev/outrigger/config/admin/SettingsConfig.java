package dev.outrigger.config.admin;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Outrigger configuration", description = "How configuration is shown and changed")
public @interface SettingsConfig {

    @AttributeDefinition(description = "Property names (any PID, case-insensitive) whose values are secrets besides "
            + "those the schema types as passwords: never shown by config:get or remotely, never logged")
    String[] secrets() default { "password", "secret", "token", "psk" };
}
