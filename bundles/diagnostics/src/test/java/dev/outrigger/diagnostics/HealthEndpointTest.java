package dev.outrigger.diagnostics;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

import dev.outrigger.framework.Await;
import dev.outrigger.health.RuntimeHealth;

public class HealthEndpointTest {

    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final HttpClient client = HttpClient.newHttpClient();
    private HealthEndpoint endpoint;

    @Before
    public void start() {
        endpoint = new HealthEndpoint(health(), metrics(), config(0));
    }

    /** The runtime's health as {@link #problems} says. */
    private RuntimeHealth health() {
        return new RuntimeHealth() {
            @Override
            public List<String> problems() {
                return List.copyOf(problems);
            }

            @Override
            public List<String> problems(long bundleId) {
                return List.of();
            }

            @Override
            public boolean settled(long bundleId) {
                return true;
            }
        };
    }

    /** The metrics of a framework with no bundles but the health above: no outbox, uplink or devices. */
    private RuntimeMetrics metrics() {
        BundleContext noBundles = (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { BundleContext.class }, (proxy, method, args) -> {
                    if (method.getName().equals("getBundles")) {
                        return new Bundle[0];
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        return new RuntimeMetrics(noBundles, health());
    }

    private static HealthEndpoint.Config config(int port) {
        return new HealthEndpoint.Config() {
            @Override
            public int port() {
                return port;
            }

            @Override
            public String bind() {
                return "127.0.0.1";
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return HealthEndpoint.Config.class;
            }
        };
    }

    @After
    public void stop() {
        endpoint.deactivate();
    }

    @Test
    public void readyWhileHealthyAndUnavailableNamingEachProblemWhenNot() throws Exception {
        assertResponse(200, "ok\n", get("/readyz"));

        problems.add("bundle dev.example.broken is installed (it does not resolve)");
        problems.add("component dev.example.Needy lacks a service for its reference clock (java.time.Clock)");
        assertResponse(503, String.join("\n", problems) + "\n", get("/readyz"));
        assertResponse(200, "ok\n", get("/livez"));

        problems.clear();
        assertResponse(200, "ok\n", get("/readyz"));
    }

    @Test
    public void metricsInPrometheusTextFormatFollowTheHealth() throws Exception {
        HttpResponse<String> healthy = get("/metrics");
        assertEquals(200, healthy.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", healthy.headers().firstValue("Content-Type").orElse(""));
        List<String> lines = healthy.body().lines().toList();
        assertTrue(lines.toString(), lines.containsAll(List.of("# TYPE outrigger_healthy gauge", "outrigger_healthy 1",
                "outrigger_health_problems 0")));
        assertTrue("left out where there is none: " + lines, lines.stream().noneMatch(l -> l.contains("outbox") || l.contains("mqtt")));
        for (String line : lines) {
            assertTrue(line, line.matches("# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\\{[a-z]+=\"[^\"]*\"(,[a-z]+=\"[^\"]*\")*\\})? -?[0-9.eE+-]+"));
        }

        problems.add("bundle dev.example.broken is installed (it does not resolve)");
        List<String> unhealthy = get("/metrics").body().lines().toList();
        assertTrue(unhealthy.toString(), unhealthy.containsAll(List.of("outrigger_healthy 0", "outrigger_health_problems 1")));
    }

    @Test
    public void answersOnlyItsPathsAndOnlyToReads() throws Exception {
        assertEquals(404, get("/readyz/more").statusCode());
        assertEquals(404, get("/").statusCode());
        HttpResponse<String> post = client.send(HttpRequest.newBuilder(uri("/readyz")).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        HttpResponse<String> head = client.send(HttpRequest.newBuilder(uri("/livez")).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertResponse(200, "", head);
    }

    @Test
    public void aPortTakenIsRetriedUntilItIsFree() throws Exception {
        int port;
        HealthEndpoint second;
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = taken.getLocalPort();
            second = new HealthEndpoint(health(), metrics(), config(port));
            assertEquals("not listening while the port is taken", -1, second.port());
        }
        try {
            Await.until("listening once the port is free", Duration.ofSeconds(10), () -> second.port() == port);
        } finally {
            second.deactivate();
        }
    }

    @Test
    public void aClientThatStallsHoldsUpNoProbe() throws Exception {
        try (Socket a = stalled(); Socket b = stalled(); Socket c = stalled()) {
            assertResponse(200, "ok\n", client.send(HttpRequest.newBuilder(uri("/livez")).timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
    }

    @Test
    public void clientsThatStallAreCutOffAndTheirThreadsEnd() throws Exception {
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                stalled.add(stalled());
            }
            // more than it serves at once: answered once the server gave up on them
            assertResponse(200, "ok\n", client.send(HttpRequest.newBuilder(uri("/livez")).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString()));
            for (Socket s : stalled) {
                assertTrue("closed by the server", closedByServer(s));
            }

            stalled.add(stalled());
            endpoint.deactivate();
            Await.until("no request thread left", Duration.ofSeconds(5), () -> Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.getName().startsWith("outrigger-health-request")));
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    /** Whether the server closes the connection (an end of stream, or a reset) within 20 s. */
    private static boolean closedByServer(Socket s) throws IOException {
        s.setSoTimeout(20_000);
        try {
            return s.getInputStream().read() == -1;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }

    /** A connection whose request never ends: its headers are begun, never finished. */
    private Socket stalled() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), endpoint.port());
        s.getOutputStream().write("GET /livez HTTP/1.1\r\nHost: gateway\r\n".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    @Test
    public void stopsListeningWhenDeactivated() {
        endpoint.deactivate();
        assertThrows(ConnectException.class, () -> get("/livez"));
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + endpoint.port() + path);
    }

    private static void assertResponse(int status, String body, HttpResponse<String> response) {
        assertEquals(body, response.body());
        assertEquals(status, response.statusCode());
    }
}
