package dev.outrigger.remote;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

import org.apache.felix.utils.json.JSONParser;

import dev.outrigger.config.Settings;
import dev.outrigger.config.Settings.Property;
import dev.outrigger.config.Settings.Schema;
import dev.outrigger.config.Settings.Snapshot;
import dev.outrigger.config.Settings.Update;
import dev.outrigger.config.SettingsException;

/**
 * One configuration request in, one reply out: size, rate, signature, allow-list and membership
 * checks, then the verb on the {@link Settings}. Every refusal says precisely why.
 */
final class RequestHandler {

    /** Where a request came from: the gateway's own topic, or a group's. */
    record Origin(Optional<String> group) {

        static final Origin OWN = new Origin(Optional.empty());

        static Origin group(String name) {
            return new Origin(Optional.of(name));
        }
    }

    /** The reply body, and the request id when the request gave one (for MQTT 3 clients). */
    record Reply(Optional<String> requestId, Map<String, Object> body) {

        boolean ok() {
            return Boolean.TRUE.equals(body.get("ok"));
        }

        Optional<String> errorKind() {
            return body.get("error") instanceof Map<?, ?> error ? Optional.of(String.valueOf(error.get("kind"))) : Optional.empty();
        }
    }

    /** A refusal before the verb was carried out. */
    private static final class Refused extends Exception {

        private static final long serialVersionUID = 1L;
        private final String kind;

        Refused(String kind, String message) {
            super(message, null, false, false);
            this.kind = kind;
        }
    }

    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

    private final Settings settings;
    private final String gateway;
    private final AllowList allowList;
    private final Optional<Signatures> signatures;
    private final int maxRequestBytes;
    private final RateLimiter rate;
    private final LongSupplier nanoTime;

    RequestHandler(Settings settings, String gateway, AllowList allowList, Optional<Signatures> signatures,
            int maxRequestBytes, RateLimiter rate, LongSupplier nanoTime) {
        this.settings = settings;
        this.gateway = gateway;
        this.allowList = allowList;
        this.signatures = signatures;
        this.maxRequestBytes = maxRequestBytes;
        this.rate = rate;
        this.nanoTime = nanoTime;
    }

    Reply handle(String verb, byte[] payload, Origin origin) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("gateway", gateway);
        body.put("verb", verb);
        Optional<String> requestId = Optional.empty();
        try {
            if (payload.length > maxRequestBytes) {
                throw new Refused("malformed", "request of " + payload.length + " bytes is over the limit of "
                        + maxRequestBytes);
            }
            Map<String, Object> request = parse(new String(payload, StandardCharsets.UTF_8));
            Object hmac = request.get("hmac");
            String signed = signatures.isPresent() && request.get("signed") instanceof String s ? s : null;
            if (signed != null) {
                request = parse(signed);
            }
            requestId = requestId(request);
            requestId.ifPresent(id -> body.put("requestId", id));
            if (!rate.tryAcquire(nanoTime.getAsLong())) {
                throw new Refused("rate_limited", "too many requests; try again later");
            }
            if (signatures.isPresent()) {
                if (signed == null || !(hmac instanceof String h)) {
                    throw new Refused("unauthenticated", "this gateway requires signed requests: "
                            + "{\"signed\": \"<request JSON>\", \"hmac\": \"<HMAC-SHA256 hex>\"}");
                }
                Optional<String> why = signatures.get().verify(signed, h, request.get("timestamp"));
                if (why.isPresent()) {
                    throw new Refused("unauthenticated", why.get());
                }
            }
            body.put("result", execute(verb, request, origin));
            body.put("ok", true);
        } catch (Refused e) {
            body.put("ok", false);
            body.put("error", error(e.kind, e.getMessage(), List.of()));
        } catch (SettingsException e) {
            body.put("ok", false);
            body.put("error", error(e.kind().name().toLowerCase(), e.getMessage(), e.problems()));
        }
        return new Reply(requestId, body);
    }

    private Object execute(String verb, Map<String, Object> request, Origin origin) throws Refused, SettingsException {
        String requester = "mqtt" + (request.get("requester") instanceof String r ? " " + printable(r) : "")
                + origin.group().map(g -> " via group " + g).orElse("");
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
                return snapshot(settings.set(new Update(pid, values, Boolean.TRUE.equals(request.get("replace")),
                        revision == null ? OptionalLong.empty() : OptionalLong.of(((Number) revision).longValue()),
                        requester)));
            }
            case "delete" -> {
                String pid = allowedPid(request, origin);
                settings.delete(pid, requester);
                return Map.of("deleted", pid);
            }
            default -> throw new Refused("malformed", "unknown verb " + printable(verb) + "; one of list, get, set, delete");
        }
    }

    private String allowedPid(Map<String, Object> request, Origin origin) throws Refused {
        if (!(request.get("pid") instanceof String pid) || pid.isEmpty()) {
            throw new Refused("malformed", "\"pid\" is missing: the PID, factory PID or factory instance (<factoryPid>~<name>)");
        }
        if (!allowList.allows(pid)) {
            throw new Refused("forbidden", printable(pid) + " is not remotely configurable on this gateway");
        }
        if (origin.group().isPresent() && pid.startsWith(Membership.PID)) {
            throw new Refused("forbidden", "group membership changes only through the gateway's own topic");
        }
        return pid;
    }

    private static Map<String, Object> parse(String json) throws Refused {
        try {
            return new JSONParser(json).getParsed();
        } catch (RuntimeException | StackOverflowError e) {
            throw new Refused("malformed", "not a JSON object: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }

    private static Optional<String> requestId(Map<String, Object> request) throws Refused {
        Object id = request.get("requestId");
        if (id == null) {
            return Optional.empty();
        }
        if (!(id instanceof String s) || !REQUEST_ID.matcher(s).matches()) {
            throw new Refused("malformed", "\"requestId\" must be 1-64 letters, digits, . _ : or -");
        }
        return Optional.of(s);
    }

    private static Map<String, Object> error(String kind, String message, List<SettingsException.Problem> problems) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("kind", kind);
        error.put("message", message);
        if (!problems.isEmpty()) {
            error.put("problems", problems.stream().map(p -> Map.of("property", p.property(), "message", p.message())).toList());
        }
        return error;
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

    /** Text from the network, safe for a log line and a reply. */
    private static String printable(String s) {
        String clean = s.replaceAll("[^\\x20-\\x7e]", "?");
        return clean.length() > 64 ? clean.substring(0, 64) + "..." : clean;
    }
}
