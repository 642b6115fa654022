package dev.outrigger.diagnostics;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.outrigger.framework.metrics.Exposition;
import dev.outrigger.framework.retry.Retry;
import dev.outrigger.framework.threads.Daemons;
import dev.outrigger.health.RuntimeHealth;

/**
 * The runtime's health over HTTP, for probes that should not start a JVM each time they ask (the
 * kubelet's, every few seconds, on a Raspberry Pi): {@code /livez} answers while the runtime serves
 * requests, {@code /readyz} answers 200 when it is healthy and 503 with one line per problem when
 * not; and {@code /metrics}, its figures for Prometheus. Read-only and off unless configured; the
 * JDK's own HTTP server, so nothing to embed.
 */
@Component(configurationPid = HealthEndpoint.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = HealthEndpoint.Config.class)
public class HealthEndpoint {

    @ObjectClassDefinition(name = "Outrigger health endpoint",
            description = "HTTP probes: /livez (the runtime answers), /readyz (200 healthy, 503 with the problems); /metrics for Prometheus. On when configured.")
    public @interface Config {
        @AttributeDefinition(min = "0", max = "65535", description = "TCP port; 0 picks a free one (logged).")
        int port() default 9441;

        @AttributeDefinition(description = "Address to listen on. The kubelet of a hostNetwork pod reaches 127.0.0.1.")
        String bind() default "127.0.0.1";
    }

    static final String PID = "dev.outrigger.health";
    private static final String PLAIN = "text/plain; charset=utf-8";
    private static final Logger LOG = LoggerFactory.getLogger(HealthEndpoint.class);
    /** Requests served at once: a client that stalls holds one, and the kubelet's probes still get theirs. */
    private static final int REQUEST_THREADS = 4;
    /** The JDK's server waits for a request's headers for ever unless told otherwise, JVM-wide. */
    static final String MAX_REQUEST_SECONDS = "sun.net.httpserver.maxReqTime";

    static {
        // only this bundle serves HTTP in the runtime; -Dsun.net.httpserver.maxReqTime in OUTRIGGER_OPTS wins
        if (System.getProperty(MAX_REQUEST_SECONDS) == null) {
            System.setProperty(MAX_REQUEST_SECONDS, "5");
        }
    }

    private final RuntimeHealth health;
    private final RuntimeMetrics metrics;
    private final Config config;
    /** Retries the listener. */
    private final ScheduledThreadPoolExecutor worker = new ScheduledThreadPoolExecutor(1, Daemons.named("outrigger-health-endpoint"));
    /** Serves the requests; its threads end when idle. */
    private final ThreadPoolExecutor requests = new ThreadPoolExecutor(REQUEST_THREADS, REQUEST_THREADS, 30, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), Daemons.named("outrigger-health-request"));
    private HttpServer server; // guarded by this
    private boolean stopped; // guarded by this

    /** Listens, or keeps trying while the address is taken or missing. */
    @Activate
    public HealthEndpoint(@Reference RuntimeHealth health, @Reference RuntimeMetrics metrics, Config config) {
        this.health = health;
        this.metrics = metrics;
        this.config = config;
        worker.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        requests.allowCoreThreadTimeOut(true);
        Retry.until(worker, LOG, "Health endpoint cannot listen on " + config.bind() + ":" + config.port(), this::listen);
    }

    private synchronized void listen() throws IOException {
        if (stopped) {
            return;
        }
        server = HttpServer.create(new InetSocketAddress(config.bind(), config.port()), 8);
        server.createContext("/", this::answer);
        server.setExecutor(requests);
        server.start();
        LOG.info("Health endpoint on http://{}:{}/readyz, /livez and /metrics", config.bind(), server.getAddress().getPort());
    }

    /** The port listened on, once listening (tests ask for a free one); -1 before. */
    synchronized int port() {
        return server == null ? -1 : server.getAddress().getPort();
    }

    @Deactivate
    synchronized void deactivate() {
        stopped = true;
        if (server != null) {
            server.stop(0);
        }
        worker.shutdown();
        requests.shutdown();
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                respond(exchange, 405, PLAIN, "GET or HEAD\n");
                return;
            }
            switch (exchange.getRequestURI().getPath()) {
                case "/livez" -> respond(exchange, 200, PLAIN, "ok\n");
                case "/readyz" -> {
                    List<String> problems = health.problems();
                    respond(exchange, problems.isEmpty() ? 200 : 503, PLAIN,
                            problems.isEmpty() ? "ok\n" : String.join("\n", problems) + "\n");
                }
                case "/metrics" -> respond(exchange, 200, Exposition.CONTENT_TYPE, metrics.scrape());
                default -> respond(exchange, 404, PLAIN, "/livez, /readyz or /metrics\n");
            }
        }
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
