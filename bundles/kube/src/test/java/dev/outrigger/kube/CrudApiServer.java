package dev.outrigger.kube;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.rules.ExternalResource;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * fabric8's mock API server in CRUD mode on a free loopback port, and a client of it, for one
 * test (no real API server can run here): the objects sent are the real client's, so they are
 * what a real API server would get.
 */
final class CrudApiServer extends ExternalResource {

    private final Set<String> conflicts = ConcurrentHashMap.newKeySet();
    private KubernetesMockServer server;
    private KubernetesClient client;

    @Override
    protected void before() {
        KubernetesCrudDispatcher dispatcher = new KubernetesCrudDispatcher() {
            @Override
            public MockResponse handlePatch(RecordedRequest request) {
                return conflicts.remove("PATCH " + request.getPath()) ? conflict() : super.handlePatch(request);
            }

            @Override
            public MockResponse handleUpdate(RecordedRequest request) {
                return conflicts.remove("PUT " + request.getPath()) ? conflict() : super.handleUpdate(request);
            }
        };
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
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

    /**
     * The next such write answered as a real API server answers one based on a resourceVersion
     * another writer (the kubelet, a controller) has moved on from meanwhile: 409, nothing written.
     *
     * @param request as {@code PATCH /api/v1/nodes/shed-pi/status}
     */
    void conflictOnNext(String request) {
        conflicts.add(request);
    }

    private static MockResponse conflict() {
        return new MockResponse().setResponseCode(409).setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                + "\"message\":\"Operation cannot be fulfilled: the object has been modified; please apply your changes to the "
                + "latest version and try again\",\"reason\":\"Conflict\",\"code\":409}");
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
