package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.outrigger.framework.Ports;
import dev.outrigger.framework.net.NetworkNamespace;

/**
 * A real broker for tests: Debian's mosquitto on a free loopback port (or on a host of its own),
 * with persistence so that a test subscriber's session (and its queued messages) survives a broker
 * restart.
 */
final class Mosquitto implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/sbin/mosquitto");
    private static final String DYNSEC_ADMIN_SECRET = "admin-secret";

    final int port;
    private final Path folder;
    private final String extraConfig;
    /** Null: on this host, on loopback. */
    private final NetworkNamespace host;
    private Process process;

    Mosquitto(Path folder, String extraConfig) throws IOException {
        this(folder, extraConfig, null);
    }

    private Mosquitto(Path folder, String extraConfig, NetworkNamespace host) throws IOException {
        this.folder = Files.createDirectories(folder);
        this.extraConfig = extraConfig;
        this.host = host;
        this.port = Ports.free();
    }

    /** On a host of its own, which the test can take off the network; there on every address, loopback too. */
    static Mosquitto on(NetworkNamespace host, Path folder) throws IOException {
        return new Mosquitto(folder, "", host);
    }

    Mosquitto start() throws Exception {
        Path conf = folder.resolve("mosquitto.conf");
        // as root, mosquitto would switch to its own user and lose access to this folder; its flow
        // control stays as shipped (20 publications unacknowledged), which is what gateways meet
        Files.writeString(conf, "user " + System.getProperty("user.name") + "\nlistener " + port
                + (host == null ? " 127.0.0.1" : "") + "\n"
                + "persistence true\npersistence_location " + folder + "/\n"
                + "max_queued_messages 0\n"
                + "log_dest file " + folder.resolve("mosquitto.log") + "\n"
                + (extraConfig.contains("allow_anonymous") ? "" : "allow_anonymous true\n") + extraConfig);
        ProcessBuilder command = new ProcessBuilder(BINARY.toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(folder.resolve("stdout.log").toFile());
        process = host == null ? command.start() : host.start(command);
        Await.until("mosquitto on port " + port, Duration.ofSeconds(10), () -> {
            if (!process.isAlive()) {
                throw new AssertionError("mosquitto exited: " + Files.readString(folder.resolve("stdout.log")));
            }
            try (Socket s = new Socket(InetAddress.getByName(address()), port)) {
                return true;
            } catch (IOException notYet) {
                return false;
            }
        });
        return this;
    }

    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    /**
     * With mosquitto's dynamic security plugin, whose ACL refuses a subscription in the SUBACK (as
     * hosted brokers do; its acl_file grants it and withholds the messages), changed live with
     * {@link #dynsec}: at the start it grants nothing but administering it.
     */
    static Mosquitto withDynamicSecurity(Path folder, String extraConfig) throws Exception {
        Files.createDirectories(folder);
        Path file = folder.resolve("dynamic-security.json");
        run("mosquitto_ctrl", "dynsec", "init", file.toString(), "admin", DYNSEC_ADMIN_SECRET);
        Path plugin;
        try (Stream<Path> libraries = Files.list(Path.of("/usr/lib"))) { // its folder is named by the architecture
            plugin = libraries.map(l -> l.resolve("mosquitto_dynamic_security.so")).filter(Files::exists).findFirst()
                    .orElseThrow(() -> new AssertionError("mosquitto's dynamic security plugin is not installed"));
        }
        return new Mosquitto(folder, "plugin " + plugin + "\nplugin_opt_config_file " + file + "\n" + extraConfig);
    }

    /** A mosquitto_ctrl dynsec command, e.g. {@code createRole all}, applied at once. */
    void dynsec(String... command) throws Exception {
        List<String> line = new ArrayList<>(List.of("mosquitto_ctrl", "-p", String.valueOf(port), "-u", "admin", "-P",
                DYNSEC_ADMIN_SECRET, "dynsec"));
        line.addAll(List.of(command));
        run(line.toArray(String[]::new));
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(String.join(" ", command) + " ended", p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(String.join(" ", command) + ": " + output, 0, p.exitValue());
    }

    /** SIGHUP: mosquitto reads its acl_file and password_file again; connections stay. */
    void reload() throws Exception {
        run("kill", "-HUP", String.valueOf(process.pid()));
    }

    /** What it logged: every packet with {@code log_type all}. */
    String log() throws IOException {
        return Files.readString(folder.resolve("mosquitto.log"));
    }

    String uri() {
        return "tcp://" + address() + ":" + port;
    }

    private String address() {
        return host == null ? "127.0.0.1" : host.address;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
