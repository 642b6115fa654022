package dev.outrigger.feature;

import java.lang.reflect.Array;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

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

    /**
     * Whether a configuration holds exactly these properties, by their text (a value the shell or a
     * remote request set is typed: 20 then equals "20"); what ConfigAdmin and FileInstall add aside.
     */
    static boolean holds(Dictionary<String, Object> configuration, Map<String, Object> properties) {
        Map<String, String> current = new HashMap<>();
        for (String key : Collections.list(configuration.keys())) {
            if (!key.startsWith("service.") && !key.startsWith("felix.fileinstall.")) {
                current.put(key, value(configuration.get(key)));
            }
        }
        return current.equals(values(properties));
    }

    private static String value(Object value) {
        if (value instanceof List<?> list) {
            return list.stream().map(String::valueOf).collect(Collectors.joining(","));
        }
        if (value != null && value.getClass().isArray()) {
            return IntStream.range(0, Array.getLength(value)).mapToObj(i -> String.valueOf(Array.get(value, i)))
                    .collect(Collectors.joining(","));
        }
        return String.valueOf(value);
    }
}
