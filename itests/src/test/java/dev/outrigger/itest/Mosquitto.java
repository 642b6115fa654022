package dev.outrigger.itest;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real broker for tests: Debian's mosquitto on a free loopback port, with persistence so that
 * a test subscriber's session (and its queued messages) survives a broker restart.
 */
final class Mosquitto implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/sbin/mosquitto");

    final int port;
    private final Path folder;
    private final String extraConfig;
    private Process process;

    Mosquitto(Path folder, String extraConfig) throws IOException {
        this.folder = Files.createDirectories(folder);
        this.extraConfig = extraConfig;
        this.port = Ports.free();
    }

    Mosquitto start() throws Exception {
        Path conf = folder.resolve("mosquitto.conf");
        // as root, mosquitto would switch to its own user and lose access to this folder; its flow
        // control stays as shipped (20 publications unacknowledged), which is what gateways meet
        Files.writeString(conf, "user " + System.getProperty("user.name") + "\nlistener " + port + " 127.0.0.1\n"
                + "persistence true\npersistence_location " + folder + "/\n"
                + "max_queued_messages 0\n"
                + "log_dest file " + folder.resolve("mosquitto.log") + "\n"
                + (extraConfig.contains("allow_anonymous") ? "" : "allow_anonymous true\n") + extraConfig);
        process = new ProcessBuilder(BINARY.toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(folder.resolve("stdout.log").toFile()).start();
        Await.until("mosquitto on port " + port, Duration.ofSeconds(10), () -> {
            if (!process.isAlive()) {
                throw new AssertionError("mosquitto exited: " + Files.readString(folder.resolve("stdout.log")));
            }
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
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

    String uri() {
        return "tcp://127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
