package dev.outrigger.kube;

import java.util.HashMap;

import org.junit.rules.ExternalResource;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

/**
 * fabric8's mock API server in CRUD mode on a free loopback port, and a client of it, for one
 * test (no real API server can run here): the objects sent are the real client's, so they are
 * what a real API server would get.
 */
final class CrudApiServer extends ExternalResource {

    private KubernetesMockServer server;
    private KubernetesClient client;

    @Override
    protected void before() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
    }

    @Override
    protected void after() {
        client.close();
        server.destroy();
    }

    KubernetesClient client() {
        return client;
    }
}
