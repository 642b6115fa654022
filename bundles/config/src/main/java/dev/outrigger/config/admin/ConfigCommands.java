package dev.outrigger.config.admin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.outrigger.config.Settings;
import dev.outrigger.config.Settings.Property;
import dev.outrigger.config.Settings.Schema;
import dev.outrigger.config.Settings.Snapshot;
import dev.outrigger.config.Settings.Update;
import dev.outrigger.config.SettingsException;
import dev.outrigger.framework.table.Table;

/** Gogo {@code config:list}, {@code config:describe}, {@code config:get}, {@code config:set}, {@code config:delete}. */
@Component(service = ConfigCommands.class, property = { "osgi.command.scope=config", "osgi.command.function=list",
        "osgi.command.function=describe", "osgi.command.function=get", "osgi.command.function=set",
        "osgi.command.function=delete" })
public class ConfigCommands {

    @Reference
    private Settings settings;

    @Descriptor("configurable PIDs and factory PIDs")
    public String list() {
        return table(settings.schemas());
    }

    static String table(List<Schema> schemas) {
        Table table = new Table().column("PID").column("KIND").column("NAME");
        schemas.forEach(s -> table.row(s.pid(), s.factory() ? "factory" : "single", s.name()));
        return table.toString();
    }

    @Descriptor("what a PID accepts: each property's type, bounds or options, default, and what it is for")
    public String describe(@Descriptor("PID, factory PID or factory instance (<factoryPid>~<name>)") String pid)
            throws SettingsException {
        Schema schema = settings.schema(pid).orElseThrow(() -> new SettingsException(SettingsException.Kind.NOT_FOUND,
                "no schema for " + pid + AdminSettings.NOT_INSTALLED + "; config:list shows those there are"));
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%s: %s%s%n", schema.pid(), schema.name(),
                schema.factory() ? " (factory: each instance is " + schema.pid() + "~<name>)" : ""));
        if (!schema.description().isEmpty()) {
            out.append(String.format(Locale.ROOT, "%s%n", schema.description()));
        }
        out.append(System.lineSeparator());
        for (Property p : schema.properties()) {
            out.append(String.format(Locale.ROOT, "  %-24s %s%n", p.id(), terms(p)));
            if (!p.description().isEmpty()) {
                out.append(String.format(Locale.ROOT, "  %-24s %s%n", "", p.description()));
            }
        }
        return out.toString();
    }

    /** A property's type and what it takes, in one line: "Integer from 1 to 65535, required". */
    private static String terms(Property p) {
        boolean text = p.type().equals("String") || p.type().equals("Password");
        String type = p.cardinality() == 0 ? p.type()
                : "list of " + p.type() + (p.cardinality() == Integer.MAX_VALUE ? "" : " (at most " + p.cardinality() + ")");
        StringBuilder terms = new StringBuilder(type).append(Schemas.range(text, p.min(), p.max()));
        if (!p.options().isEmpty()) {
            terms.append(", one of ").append(String.join(", ", p.options().keySet()));
        }
        String defaults = String.join(",", p.defaults());
        terms.append(p.required() ? ", required" : defaults.isEmpty() ? ", empty by default" : ", default " + defaults);
        return terms.append(p.secret() ? ", secret" : "").toString();
    }

    @Descriptor("the properties of a PID, or of every instance of a factory PID; defaults for the rest")
    public String get(@Descriptor("PID, factory PID or factory instance (<factoryPid>~<name>)") String pid)
            throws SettingsException {
        List<Snapshot> snapshots = settings.get(pid);
        List<Property> schema = settings.schema(pid).map(Schema::properties).orElse(List.of());
        StringBuilder out = new StringBuilder();
        if (snapshots.isEmpty()) {
            out.append("no instances of ").append(pid).append(String.format(Locale.ROOT, "%n"));
        }
        for (Snapshot s : snapshots) {
            out.append(String.format(Locale.ROOT, "%s (revision %d)%n", s.pid(), s.revision()));
            Map<String, String> lines = new LinkedHashMap<>();
            for (Property p : schema) {
                if (s.secrets().containsKey(p.id())) {
                    lines.put(p.id(), s.secrets().get(p.id()) ? "(secret, set)" : "(secret, unset)");
                } else if (s.properties().containsKey(p.id())) {
                    lines.put(p.id(), show(s.properties().get(p.id())));
                } else {
                    String defaults = String.join(",", p.defaults());
                    lines.put(p.id(), defaults.isEmpty() ? "(unset)" : defaults + "  (default)");
                }
            }
            s.properties().forEach((key, value) -> lines.putIfAbsent(key, show(value) + "  (not in the schema)"));
            lines.forEach((key, value) -> out.append(String.format(Locale.ROOT, "  %-24s %s%n", key, value)));
        }
        return out.toString();
    }

    @Descriptor("change properties, checked against the schema: all are applied or none")
    public String set(
            @Descriptor("drop properties not named here") @Parameter(names = { "-r", "--replace" }, presentValue = "true", absentValue = "false") boolean replace,
            @Descriptor("refuse if the configuration changed since this revision") @Parameter(names = "--revision", absentValue = "-1") long revision,
            @Descriptor("PID or factory instance (<factoryPid>~<name>, created if new)") String pid,
            @Descriptor("key=value (lists comma-separated); key= resets to the default") String... assignments)
            throws SettingsException {
        if (assignments.length == 0 && !replace) {
            throw new IllegalArgumentException("nothing to set: give key=value (key= resets it to the default)");
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (String assignment : assignments) {
            int eq = assignment.indexOf('=');
            if (eq < 0) {
                // "key = value", as the files in etc/ write it, arrives as three words
                throw new IllegalArgumentException("expected key=value, got " + assignment + " (no spaces around =)");
            }
            if (eq == 0) {
                throw new IllegalArgumentException("expected key=value, got " + assignment + " (no key before =)");
            }
            String value = assignment.substring(eq + 1);
            values.put(assignment.substring(0, eq), value.isEmpty() ? null : value);
        }
        Snapshot s = settings.set(new Update(pid, values, replace,
                revision < 0 ? OptionalLong.empty() : OptionalLong.of(revision), "shell"));
        return String.format(Locale.ROOT, "%s now at revision %d%n", s.pid(), s.revision());
    }

    @Descriptor("delete a factory instance")
    public String delete(@Descriptor("factory instance, <factoryPid>~<name>") String pid) throws SettingsException {
        settings.delete(pid, "shell");
        return String.format(Locale.ROOT, "%s deleted%n", pid);
    }

    private static String show(Object value) {
        return value instanceof List<?> l ? l.stream().map(String::valueOf).collect(Collectors.joining(",")) : String.valueOf(value);
    }
}
