package dev.outrigger.feature;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A feature's configuration as a FileInstall {@code .cfg} file in etc/: written there (by the
 * build for boot features, by {@code feature:install} at run time) rather than straight into
 * ConfigAdmin, so that the file is where the setting lives and later changes are written back to it.
 */
public final class ConfigFile {

    private ConfigFile() {
    }

    /** {@code pid.cfg}, or {@code factoryPid-name.cfg} for a feature's {@code factoryPid~name}. */
    public static String name(String pid) {
        return pid.replace('~', '-') + ".cfg";
    }

    public static String text(String comment, Map<String, Object> properties) {
        return "# " + comment + "\n" + properties.entrySet().stream()
                .map(p -> p.getKey() + " = " + value(p.getValue()) + "\n").collect(Collectors.joining());
    }

    /** The properties as FileInstall reads them from the file: every value text. */
    static Map<String, String> values(Map<String, Object> properties) {
        return properties.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, p -> value(p.getValue())));
    }

    private static String value(Object value) {
        if (value instanceof List<?> list) {
            return list.stream().map(String::valueOf).collect(Collectors.joining(","));
        }
        return String.valueOf(value);
    }
}
