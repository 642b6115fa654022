package dev.outrigger.remote;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import dev.outrigger.config.Settings;
import dev.outrigger.config.Settings.Property;
import dev.outrigger.config.Settings.Schema;
import dev.outrigger.config.Settings.Snapshot;
import dev.outrigger.config.Settings.Update;
import dev.outrigger.config.SettingsException;
import dev.outrigger.framework.logging.Printable;
import dev.outrigger.framework.threads.Daemons;
import dev.outrigger.remote.RequestHandler.Origin;

/** {@code config/<verb>}: list, get, set and delete on the allow-listed PIDs, through the {@link Settings}. */
final class ConfigVerbs implements Verbs {

    private final Settings settings;
    private final AllowList allowList;
    private final UplinkChanges uplinkChanges;

    ConfigVerbs(Settings settings, AllowList allowList, UplinkChanges uplinkChanges) {
        this.settings = settings;
        this.allowList = allowList;
        this.uplinkChanges = uplinkChanges;
    }

    @Override
    public Object execute(String verb, Map<String, Object> request, Origin origin, String requester)
            throws Refused, SettingsException {
        switch (verb) {
            case "list" -> {
                List<Object> schemas = new ArrayList<>();
                for (Schema s : settings.schemas()) {
                    if (allowList.allows(s.pid())) {
                        schemas.add(schema(s));
                    }
                }
                return schemas;
            }
            case "get" -> {
                List<Object> snapshots = new ArrayList<>();
                for (Snapshot s : settings.get(allowedPid(request, origin))) {
                    snapshots.add(snapshot(s));
                }
                return snapshots;
            }
            case "set" -> {
                String pid = allowedPid(request, origin);
                if (!(request.get("properties") instanceof Map<?, ?> properties)) {
                    throw new Refused("malformed", "set needs \"properties\": an object of property names and values");
                }
                Map<String, Object> values = new LinkedHashMap<>();
                properties.forEach((k, v) -> values.put(k.toString(), v));
                Object revision = request.get("revision");
                if (revision != null && !(revision instanceof Number)) {
                    throw new Refused("malformed", "\"revision\" must be a number");
                }
                boolean replace = Boolean.TRUE.equals(request.get("replace"));
                Update update = new Update(pid, values, replace,
                        revision == null ? OptionalLong.empty() : OptionalLong.of(((Number) revision).longValue()), requester);
                if (!UplinkChanges.CHANNEL.contains(pid)) {
                    return snapshot(settings.set(update));
                }
                // The reply first, through the connection the request came on, which applying the
                // change may take down; then the change, as checked: refused if changed meanwhile.
                Snapshot checked = settings.check(update);
                Map<String, Object> result = snapshot(checked);
                result.remove("revision"); // known once applied
                uplinkChanges.confirmWithin(pid).ifPresent(seconds -> result.put("confirmWithinSeconds", seconds));
                Update apply = new Update(pid, values, replace, OptionalLong.of(checked.revision()), requester);
                return new Deferred(result, () -> Daemons.start("outrigger-remote-config", () -> uplinkChanges.apply(apply)));
            }
            case "delete" -> {
                String pid = allowedPid(request, origin);
                settings.delete(pid, requester);
                return Map.of("deleted", pid);
            }
            default -> throw new Refused("malformed", "unknown verb " + Printable.of(verb) + "; one of list, get, set, delete");
        }
    }

    private String allowedPid(Map<String, Object> request, Origin origin) throws Refused {
        if (!(request.get("pid") instanceof String pid) || pid.isEmpty()) {
            throw new Refused("malformed", "\"pid\" is missing: the PID, factory PID or factory instance (<factoryPid>~<name>)");
        }
        if (!allowList.allows(pid)) {
            throw new Refused("forbidden", Printable.of(pid) + " is not remotely configurable on this gateway");
        }
        if (origin.group().isPresent() && pid.startsWith(Membership.PID)) {
            throw new Refused("forbidden", "group membership changes only through the gateway's own topic");
        }
        return pid;
    }

    private static Map<String, Object> schema(Schema s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pid", s.pid());
        m.put("factory", s.factory());
        m.put("name", s.name());
        m.put("description", s.description());
        List<Object> properties = new ArrayList<>();
        for (Property p : s.properties()) {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("id", p.id());
            pm.put("name", p.name());
            pm.put("description", p.description());
            pm.put("type", p.type());
            pm.put("cardinality", p.cardinality());
            pm.put("default", p.defaults());
            pm.put("options", p.options().entrySet().stream()
                    .map(o -> Map.of("value", o.getKey(), "label", o.getValue())).toList());
            p.min().ifPresent(min -> pm.put("min", min));
            p.max().ifPresent(max -> pm.put("max", max));
            pm.put("required", p.required());
            pm.put("secret", p.secret());
            properties.add(pm);
        }
        m.put("properties", properties);
        return m;
    }

    private static Map<String, Object> snapshot(Snapshot s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pid", s.pid());
        s.factoryPid().ifPresent(f -> m.put("factoryPid", f));
        m.put("revision", s.revision());
        m.put("properties", s.properties());
        Map<String, Object> secrets = new LinkedHashMap<>();
        s.secrets().forEach((k, set) -> secrets.put(k, set ? "set" : "unset"));
        m.put("secrets", secrets);
        return m;
    }
}
