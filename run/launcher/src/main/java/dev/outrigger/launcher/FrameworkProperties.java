package dev.outrigger.launcher;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The framework's launch properties: {@code etc/config.properties}, where any key can be
 * overridden by a system property of the same name ({@code OUTRIGGER_OPTS="-Dkey=value"}), and
 * {@code ${name}} refers to another property, a system property or {@code outrigger.home} and
 * {@code outrigger.data}.
 */
final class FrameworkProperties {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([^}]+)}");

    private FrameworkProperties() {
    }

    static Map<String, String> load(Path home, Path data) throws IOException {
        Properties file = new Properties();
        try (Reader in = Files.newBufferedReader(home.resolve("etc/config.properties"))) {
            file.load(in);
        }
        Map<String, String> raw = new LinkedHashMap<>();
        raw.put("outrigger.home", home.toString());
        raw.put("outrigger.data", data.toString());
        for (String key : file.stringPropertyNames()) {
            raw.put(key, System.getProperty(key, file.getProperty(key)));
        }
        raw.put("gosh.args", Boolean.getBoolean("outrigger.console") ? "" : "--nointeractive");

        Map<String, String> resolved = new LinkedHashMap<>();
        raw.forEach((key, value) -> resolved.put(key, substitute(value, raw, 0)));
        return resolved;
    }

    static String substitute(String value, Map<String, String> properties, int depth) {
        if (depth > 10) {
            throw new IllegalArgumentException("circular ${...} reference in " + value);
        }
        Matcher m = VARIABLE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String replacement = properties.containsKey(name) ? properties.get(name) : System.getProperty(name, "");
            m.appendReplacement(out, Matcher.quoteReplacement(substitute(replacement, properties, depth + 1)));
        }
        return m.appendTail(out).toString();
    }
}
