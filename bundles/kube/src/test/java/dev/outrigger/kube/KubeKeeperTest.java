package dev.outrigger.kube;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.Test;

import com.sun.net.httpserver.HttpServer;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

public class KubeKeeperTest {

    /** A proxy or captive portal that answers every request with a page of its own. */
    @Test
    public void anAnswerThatIsNotTheApiServersIsSaidInWords() throws Exception {
        HttpServer portal = answering(200, "text/html", "<html>Welcome! Log in to use the Wi-Fi</html>");
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + portal.getAddress().getPort()).withRequestRetryBackoffLimit(0).build()).build()) {
            client.nodes().withName("shed-pi").get();
            fail("a page is not a Node");
        } catch (KubernetesClientException e) {
            assertEquals("the API server answered with something that is not Kubernetes JSON (a proxy or a captive portal "
                    + "in between?)", KubeKeeper.why(e));
        } finally {
            portal.stop(0);
        }
    }

    @Test
    public void anApiServerNotListeningIsSaidSo() throws Exception {
        int closed;
        try (var probe = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = probe.getLocalPort();
        }
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + closed).withRequestRetryBackoffLimit(0).build()).build()) {
            client.nodes().withName("shed-pi").get();
            fail("nothing listens");
        } catch (KubernetesClientException e) {
            assertEquals("get Node shed-pi failed: nothing listens there, or no route to it", KubeKeeper.why(e));
        }
    }

    /** The RBAC of an older release, without what this one asks: the API server's own words, and what to do. */
    @Test
    public void aCallTheServiceAccountMayNotMakeIsSaidWithWhatToDo() throws Exception {
        HttpServer api = answering(403, "application/json", "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                + "\"status\":\"Failure\",\"message\":\"pods \\\"outrigger-x7k2p\\\" is forbidden: User "
                + "\\\"system:serviceaccount:outrigger:outrigger\\\" cannot get resource \\\"pods\\\" in API group \\\"\\\" in the "
                + "namespace \\\"outrigger\\\"\",\"reason\":\"Forbidden\",\"details\":{\"name\":\"outrigger-x7k2p\",\"kind\":\"pods\"},"
                + "\"code\":403}");
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + api.getAddress().getPort()).withRequestRetryBackoffLimit(0).build()).build()) {
            new NodeSync(client, "shed-pi").labelPod("outrigger", "outrigger-x7k2p", Map.of());
            fail("forbidden");
        } catch (KubernetesClientException e) {
            assertEquals("pods \"outrigger-x7k2p\" is forbidden: User \"system:serviceaccount:outrigger:outrigger\" cannot get resource "
                    + "\"pods\" in API group \"\" in the namespace \"outrigger\" (the RBAC of the gateway's service account does not "
                    + "grant it: apply the rbac.yaml of this release)", KubeKeeper.why(e));
        } finally {
            api.stop(0);
        }
    }

    /**
     * Node-mode credentials of before gateways joined the Services of their bridges: that is left
     * out, said in the API server's words with what to grant, and the rest goes on.
     */
    @Test
    public void credentialsThatMayNotJoinServicesLeaveOutThatOnly() throws Exception {
        HttpServer api = answering(403, "application/json", "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                + "\"status\":\"Failure\",\"message\":\"services is forbidden: User \\\"shed\\\" cannot list resource \\\"services\\\" "
                + "in API group \\\"\\\" in the namespace \\\"outrigger\\\"\",\"reason\":\"Forbidden\",\"code\":403}");
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + api.getAddress().getPort()).withRequestRetryBackoffLimit(0).build()).build()) {
            assertEquals("not joined: services is forbidden: User \"shed\" cannot list resource \"services\" in API group \"\" in "
                    + "the namespace \"outrigger\" (the gateway's credentials need services list, and endpointslices list, create, "
                    + "update and delete, in namespace outrigger)", new BridgeEndpoints(client, "shed", "outrigger", "outrigger.dev")
                            .join(List.of(new BridgeEndpoints.Offer(6638, "192.168.1.20"))));
        } finally {
            api.stop(0);
        }
    }

    /** A server on loopback that answers every request alike. */
    private static HttpServer answering(int code, String contentType, String body) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", contentType);
            exchange.sendResponseHeaders(code, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return server;
    }

    @Test
    public void anOperationInANamespaceNamesIt() {
        assertEquals("update Lease pi in namespace outrigger failed: Reason: conflict", KubeKeeper.why(new KubernetesClientException(
                "Operation: [update]  for kind: [Lease]  with name: [pi]  in namespace: [outrigger]  failed. Reason: conflict")));
    }

    @Test
    public void otherFailuresInTheirFirstLine() {
        assertEquals("connection refused", KubeKeeper.why(new KubernetesClientException("connection refused\n at somewhere")));
    }
}
