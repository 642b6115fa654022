package dev.outrigger.ser2net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.outrigger.config.Settings;
import dev.outrigger.config.SettingsException;

/** Gogo {@code ser2net:import}: a ser2net.yaml (or ser2net 3's ser2net.conf) made bridge configurations, one per connection. */
@Component(service = Ser2netCommands.class, property = { "osgi.command.scope=ser2net", "osgi.command.function=import" })
public class Ser2netCommands {

    static final String BRIDGE_FACTORY_PID = "dev.outrigger.bridge";

    @Reference
    private Settings settings;

    @Descriptor("make each connection of a ser2net.yaml or ser2net.conf a bridge (etc/dev.outrigger.bridge-<name>.cfg); "
            + "existing bridges are left as they are")
    public String _import(
            @Descriptor("show what would be made, and make nothing") @Parameter(names = { "-n", "--dry-run" }, presentValue = "true",
                    absentValue = "false") boolean dryRun,
            @Descriptor("ser2net's configuration, e.g. /etc/ser2net/ser2net.yaml or /etc/ser2net.conf (an absolute path)") String file)
            throws IOException {
        Path path = Path.of(file);
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException(file + ": give an absolute path (the runtime's working folder is not the shell's)");
        }
        Content content;
        try {
            String text = Files.readString(path, StandardCharsets.UTF_8);
            content = Ser2netConf.isOne(text) ? Ser2netConf.parse(text) : Ser2netYaml.parse(text);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no file " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        StringBuilder out = new StringBuilder();
        int bridges = 0; // made, or to be made in a dry run
        for (Connection c : content.connections()) {
            BridgeImport bridge = BridgeImport.of(c);
            String pid = BRIDGE_FACTORY_PID + "~" + bridge.name();
            Outcome outcome = bridge.refusal().map(why -> new Outcome(false, "skipped: " + why))
                    .orElseGet(() -> dryRun ? new Outcome(true, "would be " + pid + ": " + describe(bridge.values()))
                            : make(pid, bridge.values()));
            out.append(String.format(Locale.ROOT, "%s (line %d): %s%n", c.name(), c.line(), outcome.said()));
            if (outcome.bridge()) {
                bridges++;
                bridge.notes().forEach(note -> out.append("  ").append(note).append(System.lineSeparator()));
            }
        }
        content.notImported().forEach(key -> out.append("not imported: ").append(key).append(System.lineSeparator()));
        out.append(String.format(Locale.ROOT, "%d of %d connection(s) %s%n", bridges, content.connections().size(),
                dryRun ? "would be bridges; nothing made (--dry-run)" : "made bridges; stop ser2net, and each takes its port over"));
        return out.toString();
    }

    /** What became of one connection: a bridge (made, or to be made) or not, and the line saying so. */
    private record Outcome(boolean bridge, String said) {
    }

    private Outcome make(String pid, Map<String, Object> values) {
        try {
            settings.get(pid);
            return new Outcome(false, "left as it is: " + pid + " exists (config:delete it to import it again)");
        } catch (SettingsException absent) {
            // not made yet
        }
        try {
            settings.set(new Settings.Update(pid, values, false, OptionalLong.empty(), "ser2net import"));
            return new Outcome(true, "made " + pid + ": " + describe(values));
        } catch (SettingsException e) {
            return new Outcome(false, "skipped: " + e.getMessage());
        }
    }

    private static String describe(Map<String, Object> values) {
        return values.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }
}
