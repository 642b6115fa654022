package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;


import dev.outrigger.shell.ShellClient;

/**
 * One Outrigger process started from a private copy of the distribution with bin/outrigger, as a
 * user or a container would: stdin not a terminal, shell port on a free loopback port.
 */
final class GatewayProcess implements AutoCloseable {

    /** The process's stdout and stderr, in its home. */
    static final String LOG = "outrigger.log";
    /** Where shell commands wait for their answer (a command that never finishes leaves its thread until its gateway ends). */
    private static final ExecutorService SHELL_CLIENTS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "shell client");
        t.setDaemon(true);
        return t;
    });

    final Path home;
    /** Where the embedded broker and the simulated radio listen, should the test install them. */
    final FreePorts ports;
    /** Environment variables for bin/outrigger, beyond the test's own. */
    final Map<String, String> environment = new HashMap<>();
    private final Path log;
    private Process process;

    GatewayProcess(Path home) throws IOException {
        this.home = home;
        this.log = home.resolve(LOG);
        // port 0: a free port, published in data/shell.port, so tests never collide with a running gateway
        Files.writeString(home.resolve("etc/dev.outrigger.shell.cfg"), "enabled = true\nport = 0\n");
        // no quick-start demo (a simulated radio on port 4403): tests install what they test
        Files.writeString(home.resolve("etc/dev.outrigger.feature.cfg"), "install =\n");
        // and what a test installs without configuring it (feature:install gateway) stays on free ports, off
        // a broker or radio this machine may run on 1883 and 4403
        this.ports = FreePorts.configure(home.resolve("etc"));
        // no class data sharing archive: every test starts from a fresh data/, where the archive would be
        // written anew each time (1.2 s of CPU per start, measured); the tests of the archive turn it on
        environment.put("OUTRIGGER_CDS", "off");
    }

    /**
     * With the class data sharing archive, as shipped, but written a second after the start
     * instead of the ten a runtime gives its features to load their classes: for tests of the archive.
     */
    void archiveSoon() {
        environment.remove("OUTRIGGER_CDS");
        environment.merge("OUTRIGGER_OPTS", "-Doutrigger.cds.settle=1000", (mine, theirs) -> mine + " " + theirs);
    }

    /** Starts bin/outrigger and waits until the shell port answers; returns the milliseconds that took. */
    long start() throws Exception {
        long started = System.nanoTime();
        launch();
        Await.until("the shell port of " + home, Duration.ofSeconds(20), () -> {
            if (!process.isAlive()) {
                throw new AssertionError("bin/outrigger exited with " + process.exitValue() + ":\n" + log());
            }
            return shell("lb").status == 0;
        });
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    }

    /** Starts bin/outrigger without waiting for anything. */
    void launch() throws IOException {
        process = builder(List.of(home.resolve("bin/outrigger").toString()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
    }

    /**
     * Starts bin/outrigger on a pseudo-terminal, as at a console (util-linux {@code script}, which
     * ends with its status); what is written to the stream returned is typed at it.
     */
    OutputStream launchOnTerminal() throws IOException {
        process = builder(List.of("script", "-qfec", "exec '" + home.resolve("bin/outrigger") + "'", "/dev/null")).start();
        return process.getOutputStream();
    }

    private ProcessBuilder builder(List<String> command) throws IOException {
        Files.deleteIfExists(home.resolve("data/shell.port"));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true);
        builder.environment().putAll(environment);
        // its temporary files (FileInstall's folders, which a killed process leaves) beside its home,
        // in the test's folder, which the test removes; a test's own OUTRIGGER_OPTS come after, and win
        // (OUTRIGGER_OPTS is split at spaces, so the folder's name has none)
        Path tmp = Files.createDirectories(home.resolveSibling(home.getFileName().toString().replace(' ', '-') + "-tmp"));
        builder.environment().put("OUTRIGGER_OPTS", "-Djava.io.tmpdir=" + tmp + " " + environment.getOrDefault("OUTRIGGER_OPTS", ""));
        return builder;
    }

    /** Sends SIGTERM and returns the exit status, failing if the process is not gone within the limit. */
    int terminate(Duration limit) throws InterruptedException {
        process.destroy(); // SIGTERM
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            threadDump();
            process.destroyForcibly();
            throw new AssertionError("bin/outrigger still running " + limit.toMillis() + " ms after SIGTERM (its threads"
                    + " then are in its log)");
        }
        return process.exitValue();
    }

    /** Has the JVM print its threads into the log, which the test prints when it fails. */
    private void threadDump() throws InterruptedException {
        try {
            new ProcessBuilder("kill", "-QUIT", String.valueOf(process.pid())).start().waitFor();
            Await.until("the thread dump in the log", Duration.ofSeconds(3), () -> log().contains("JNI global refs"));
        } catch (IOException | AssertionError e) {
            System.out.println("no thread dump of " + home + ": " + e.getMessage());
        }
    }

    /** The exit status of a process that ends by itself, failing if it still runs after the limit. */
    int awaitExit(Duration limit) throws InterruptedException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("bin/outrigger still running after " + limit.toMillis() + " ms");
        }
        return process.exitValue();
    }

    /** SIGKILL: no shutdown hook, no clean stop, as a power cut or the OOM killer would. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError("bin/outrigger survived SIGKILL");
        }
    }

    record Result(int status, String output) {
    }

    /**
     * One shell command, through bin/outrigger-shell's client in this JVM: tests ask the shell
     * hundreds of times, often in a loop, and a JVM started for each cost the machine more than
     * the commands did. {@link #shellScript} runs the script itself.
     */
    Result shell(String command) throws InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(out, true, StandardCharsets.UTF_8);
        Future<Integer> status = SHELL_CLIENTS.submit(() -> ShellClient.run(home.resolve("data"), command, both, both));
        try {
            return new Result(status.get(20, TimeUnit.SECONDS), out.toString(StandardCharsets.UTF_8));
        } catch (TimeoutException e) {
            throw new AssertionError("shell command " + command + " did not finish: " + out.toString(StandardCharsets.UTF_8));
        } catch (ExecutionException e) {
            throw new AssertionError("shell command " + command, e.getCause());
        }
    }

    /** Runs bin/outrigger-shell with one command. */
    Result shellScript(String command) throws IOException, InterruptedException {
        return bin("outrigger-shell", command);
    }

    /** Runs one of the scripts in bin/ to its end. */
    Result bin(String script, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin").resolve(script).toString()));
        command.addAll(List.of(arguments));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bin/" + script + " " + String.join(" ", arguments) + " did not finish");
        }
        return new Result(p.exitValue(), out);
    }

    /** Turns the health endpoint on, on a free loopback port (found in the log), for the next start. */
    void enableHealthEndpoint() throws IOException {
        Files.writeString(home.resolve("etc/dev.outrigger.health.cfg"), "bind = 127.0.0.1\nport = 0\n");
    }

    /** A GET of one of the health endpoint's paths, once its port is in the log (the last start's). */
    HttpResponse<String> health(String path) throws Exception {
        int port = Integer.parseInt(Await.value("the health endpoint's port in the log", Duration.ofSeconds(20), () -> {
            Matcher m = Pattern.compile("Health endpoint on http://127.0.0.1:(\\d+)/").matcher(log());
            String last = null;
            while (m.find()) {
                last = m.group(1);
            }
            return last;
        }));
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Every sample of the health endpoint's /metrics, as Prometheus' parser reads them: {@code name{labels}} to
     * value; fails the test unless Prometheus' linter passes them.
     */
    Map<String, Double> metrics() throws Exception {
        HttpResponse<String> response = health("/metrics");
        assertEquals(200, response.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", response.headers().firstValue("Content-Type").orElse(""));
        // Prometheus' linter: HELP and TYPE for each metric, counters named _total, base units
        Promtool.check(response.body(), "check", "metrics");
        Process parser = new ProcessBuilder("/usr/bin/python3", "-c", """
                import sys
                from prometheus_client.parser import text_string_to_metric_families
                for family in text_string_to_metric_families(sys.stdin.read()):
                    for s in family.samples:
                        labels = ",".join('%s="%s"' % kv for kv in sorted(s.labels.items()))
                        print(s.name + ("{" + labels + "}" if labels else ""), s.value)
                """).redirectErrorStream(true).start();
        try (var in = parser.getOutputStream()) {
            in.write(response.body().getBytes(StandardCharsets.UTF_8));
        }
        String parsed = new String(parser.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(parsed, 0, parser.waitFor());
        Map<String, Double> samples = new TreeMap<>();
        parsed.lines().forEach(l -> samples.put(l.substring(0, l.lastIndexOf(' ')), Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))));
        return samples;
    }

    long pid() {
        return process.pid();
    }

    /** Resident memory of the running process, in kB (Linux /proc). */
    long rssKb() throws IOException {
        return Files.readAllLines(Path.of("/proc/" + process.pid() + "/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .map(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElse(0L);
    }

    /** The JVM's command line (bin/outrigger execs it), NUL-separated arguments as Linux keeps them. */
    List<String> commandLine() throws IOException {
        return List.of(Files.readString(Path.of("/proc/" + process.pid() + "/cmdline")).split("\0"));
    }

    /** Threads whose name starts with the prefix; Linux keeps the first 15 characters of a thread's name. */
    long threads(String prefix) throws IOException {
        String shown = prefix.length() > 15 ? prefix.substring(0, 15) : prefix;
        return threadNames().stream().filter(name -> name.startsWith(shown)).count();
    }

    /** The names of the process's threads, as Linux keeps them (the first 15 characters). */
    List<String> threadNames() throws IOException {
        List<String> names = new ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc/" + process.pid() + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    names.add(Files.readString(task.resolve("comm")).strip());
                } catch (IOException gone) {
                    // the thread ended meanwhile
                }
            }
        }
        return names;
    }

    /** The id of the bundle with this symbolic name, from {@code lb -s}. */
    String bundleId(String symbolicName) throws Exception {
        return shell("lb -s " + symbolicName).output().lines().filter(l -> l.contains("|" + symbolicName))
                .findFirst().orElseThrow(() -> new AssertionError(symbolicName + " not installed")).trim().split("\\|")[0].trim();
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** The bundles' rows of {@code lb}'s output. */
    static List<String> bundleLines(String lb) {
        return lb.lines().filter(l -> l.matches("\\s*\\d+\\|.*")).toList();
    }

    /** The lines of a log or of a command's output that contain a text. */
    static List<String> lines(String text, String containing) {
        return text.lines().filter(l -> l.contains(containing)).toList();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
