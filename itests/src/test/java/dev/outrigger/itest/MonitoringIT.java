package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.yaml.snakeyaml.Yaml;

/**
 * The monitoring component of the Kubernetes manifests: its alert rules pass Prometheus' own
 * checker and fire (and stay quiet) as {@code outrigger-rules.test.yaml} says against series a
 * gateway reports, and Prometheus can reach what its PodMonitor scrapes.
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
}
