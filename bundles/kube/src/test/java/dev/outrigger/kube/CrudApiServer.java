package dev.outrigger.kube;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.rules.ExternalResource;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;

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

    /** The requests made since the last call, as {@code GET /api/v1/...}. */
    List<String> requests() throws InterruptedException {
        List<String> requests = new ArrayList<>();
        for (RecordedRequest r = server.takeRequest(0, TimeUnit.SECONDS); r != null; r = server.takeRequest(0, TimeUnit.SECONDS)) {
            requests.add(r.getMethod() + " " + r.getPath());
        }
        return requests;
    }
}
