package dev.outrigger.remote;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;


import dev.outrigger.config.SettingsException;
import dev.outrigger.framework.json.Json;
import dev.outrigger.framework.logging.Printable;
import dev.outrigger.remote.Verbs.Deferred;

/**
 * One request in, one reply out: size, rate and signature checks, then the verb. Every refusal
 * says precisely why.
 */
final class RequestHandler {

    /** Where a request came from: the gateway's own topic, or a group's. */
    record Origin(Optional<String> group) {

        static final Origin OWN = new Origin(Optional.empty());

        static Origin group(String name) {
            return new Origin(Optional.of(name));
        }
    }

    /**
     * The reply body, the request id when the request gave one (for MQTT 3 clients), and what to
     * do once the reply is on its way (usually nothing).
     */
    record Reply(Optional<String> requestId, Map<String, Object> body, Runnable afterwards) {

        Optional<String> errorKind() {
            return body.get("error") instanceof Map<?, ?> error ? Optional.of(String.valueOf(error.get("kind"))) : Optional.empty();
        }
    }

    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

    private final Verbs verbs;
    private final String gateway;
    private final Optional<Signatures> signatures;
    private final int maxRequestBytes;
    private final RateLimiter rate;
    private final LongSupplier nanoTime;

    RequestHandler(Verbs verbs, String gateway, Optional<Signatures> signatures,
            int maxRequestBytes, RateLimiter rate, LongSupplier nanoTime) {
        this.verbs = verbs;
        this.gateway = gateway;
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
        Runnable afterwards = () -> { };
        try {
            if (payload.length > maxRequestBytes) {
                throw new Refused("malformed", "request of " + payload.length + " bytes is over the limit of "
                        + maxRequestBytes);
            }
            Map<String, Object> request = parse(payload);
            Object hmac = request.get("hmac");
            String signed = signatures.isPresent() && request.get("signed") instanceof String s ? s : null;
            if (signed != null) {
                request = parse(signed.getBytes(StandardCharsets.UTF_8));
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
            String requester = "mqtt" + (request.get("requester") instanceof String r ? " " + Printable.of(r) : "")
                    + origin.group().map(g -> " via group " + g).orElse("");
            Object result = verbs.execute(verb, request, origin, requester);
            if (result instanceof Deferred deferred) {
                result = deferred.result();
                afterwards = deferred.action();
            }
            body.put("result", result);
            body.put("ok", true);
        } catch (Refused e) {
            body.put("ok", false);
            body.put("error", error(e.kind(), e.getMessage(), List.of()));
        } catch (SettingsException e) {
            body.put("ok", false);
            body.put("error", error(e.kind().name().toLowerCase(Locale.ROOT), e.getMessage(), e.problems()));
        }
        return new Reply(requestId, body, afterwards);
    }

    /** The reply to a request taken in but never carried out: nothing was applied, and it may be sent again. */
    Reply notCarriedOut(String verb, byte[] payload, String why) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("gateway", gateway);
        body.put("verb", verb);
        Optional<String> requestId;
        try {
            Map<String, Object> request = parse(payload);
            requestId = requestId(request.get("signed") instanceof String signed
                    ? parse(signed.getBytes(StandardCharsets.UTF_8)) : request);
        } catch (Refused unreadable) {
            requestId = Optional.empty();
        }
        requestId.ifPresent(id -> body.put("requestId", id));
        body.put("ok", false);
        body.put("error", error("unavailable", why, List.of()));
        return new Reply(requestId, body, () -> { });
    }

    private static Map<String, Object> parse(byte[] json) throws Refused {
        try {
            return Json.object(json);
        } catch (IllegalArgumentException e) {
            throw new Refused("malformed", "request unreadable: " + Printable.line(e.getMessage()));
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
}
