package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.outrigger.framework.json.Json;

/**
 * Renders a template of a Home Assistant discovery message the way Home Assistant does, with
 * Jinja2 (Debian's python3-jinja2) in a sandbox: the payload as {@code value} and, parsed, as
 * {@code value_json}, and Home Assistant's {@code timestamp_custom} filter. Stricter than Home
 * Assistant: a name that is not defined fails rather than rendering empty.
 */
final class HomeAssistantTemplates {

    private static final String RENDER = """
            import json, sys, datetime
            from jinja2 import StrictUndefined
            from jinja2.sandbox import ImmutableSandboxedEnvironment
            request = json.load(sys.stdin)
            env = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
            def timestamp_custom(value, date_format, local=True):
                zone = None if local else datetime.timezone.utc
                return datetime.datetime.fromtimestamp(value, zone).strftime(date_format)
            env.filters["timestamp_custom"] = timestamp_custom
            payload = request["payload"]
            sys.stdout.write(env.from_string(request["template"]).render(value=payload, value_json=json.loads(payload)))
            """;

    private HomeAssistantTemplates() {
    }

    /** The template rendered for this payload (JSON); fails the test if Jinja2 cannot render it. */
    static String render(Object template, String payload) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", RENDER).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(Json.bytes(Map.of("template", String.valueOf(template), "payload", payload)));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue("jinja2 finished", p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(template + " for " + payload + ":\n" + out, 0, p.exitValue());
        return out;
    }
}
