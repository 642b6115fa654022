package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.yaml.snakeyaml.Yaml;

import dev.outrigger.framework.json.Json;

/**
 * The monitoring component of the Kubernetes manifests: its alert rules pass Prometheus' own
 * checker and fire (and stay quiet) as {@code outrigger-rules.test.yaml} says against series a
 * gateway reports, Prometheus can reach what its PodMonitor scrapes, and its Grafana dashboard
 * asks for what a gateway has.
 */
public class MonitoringIT {

    private static final Path COMPONENT = Path.of("../run/src/main/k8s/components/monitoring");

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void theAlertRulesAreValidAndFireOnlyWhenTheirTimeHasCome() throws Exception {
        Map<String, Object> rule = new Yaml().load(Files.readString(COMPONENT.resolve("prometheusrule.yaml")));
        Path rules = folder.getRoot().toPath().resolve("outrigger-rules.yaml");
        // Prometheus' rules file is the PrometheusRule's spec
        Files.writeString(rules, new Yaml().dump(rule.get("spec")));
        Path tests = folder.getRoot().toPath().resolve("outrigger-rules.test.yaml");
        try (InputStream in = MonitoringIT.class.getResourceAsStream("/monitoring/outrigger-rules.test.yaml")) {
            Files.copy(in, tests);
        }
        Promtool.check("", "check", "rules", rules.toString());
        Promtool.check("", "test", "rules", tests.toString());
    }

    @Test
    @SuppressWarnings("unchecked")
    public void thePodMonitorScrapesThePortTheHealthEndpointListensOnBeyondLoopback() throws Exception {
        Map<String, Object> monitor = new Yaml().load(Files.readString(COMPONENT.resolve("podmonitor.yaml")));
        Map<String, Object> endpoint = (Map<String, Object>) ((List<?>) ((Map<?, ?>) monitor.get("spec"))
                .get("podMetricsEndpoints")).get(0);
        assertEquals("/metrics", endpoint.get("path"));

        Map<String, Object> kustomization = new Yaml().load(Files.readString(COMPONENT.resolve("kustomization.yaml")));
        String patch = (String) ((Map<?, ?>) ((List<?>) kustomization.get("patches")).get(0)).get("patch");
        Map<?, ?> port = (Map<?, ?>) ((List<?>) ((Map<?, ?>) ((List<?>) new Yaml().load(patch)).get(0)).get("value")).get(0);
        assertEquals("the DaemonSet's port the PodMonitor names", endpoint.get("port"), port.get("name"));

        String health = Files.readString(COMPONENT.resolve("etc/dev.outrigger.health.cfg"));
        assertTrue(health, health.contains("port = " + port.get("containerPort") + "\n"));
        assertTrue("reachable from Prometheus, not only on loopback: " + health, health.contains("bind = 0.0.0.0\n"));
    }

    /**
     * The Grafana dashboard: every query is PromQL that Prometheus' own checker takes, and asks for
     * metrics a gateway has, as the README's metrics reference lists them.
     */
    @Test
    public void theDashboardAsksValidQueriesForMetricsAGatewayHas() throws Exception {
        Map<String, Object> dashboard = Json.object(Files.readAllBytes(COMPONENT.resolve("dashboard.json")));
        List<String> queries = new ArrayList<>();
        for (Object panel : (List<?>) dashboard.get("panels")) {
            Object targets = ((Map<?, ?>) panel).get("targets");
            for (Object target : targets == null ? List.of() : (List<?>) targets) {
                queries.add((String) ((Map<?, ?>) target).get("expr"));
            }
        }
        assertTrue(queries.toString(), queries.size() >= 15);

        // as recording rules, for promtool to parse; $node is Grafana's variable, a regex
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        for (int i = 0; i < queries.size(); i++) {
            rules.append("      - record: dashboard:query").append(i).append("\n        expr: '")
                    .append(queries.get(i).replace("$node", ".*").replace("'", "''")).append("'\n");
        }
        Path file = folder.getRoot().toPath().resolve("dashboard-rules.yaml");
        Files.writeString(file, rules);
        Promtool.check("", "check", "rules", file.toString());

        Set<String> documented = documentedMetrics();
        Matcher metric = Pattern.compile("\\b(?:outrigger|process|jvm)_[a-z_]+").matcher(String.join("\n", queries));
        while (metric.find()) {
            assertTrue(metric.group() + " is not in the README's metrics reference " + documented, documented.contains(metric.group()));
        }
    }

    /**
     * The names in the first column of the README's metrics reference: {@code `outrigger_outbox_records`,
     * `_bytes`} names {@code outrigger_outbox_records} and {@code outrigger_outbox_bytes}.
     */
    private static Set<String> documentedMetrics() throws Exception {
        Set<String> names = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of("../README.md"))) {
            if (!line.startsWith("| `outrigger_") && !line.startsWith("| `process_")) {
                continue;
            }
            String prefix = null;
            for (String name : line.split("\\|")[1].split("`")) {
                String bare = name.replaceAll("\\{.*", "").trim();
                if (bare.matches("(outrigger|process|jvm)_[a-z_]+")) {
                    names.add(bare);
                    if (prefix == null) {
                        prefix = bare.replaceAll("^([a-z]+_[a-z]+)_.*", "$1");
                    }
                } else if (bare.matches("_[a-z_]+") && prefix != null) {
                    names.add(prefix + bare);
                }
            }
        }
        return names;
    }
}
