package dev.outrigger.itest;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.yaml.snakeyaml.Yaml;

import dev.outrigger.bridge.PtyPair;
import dev.outrigger.framework.Ports;
import dev.outrigger.framework.json.Json;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * The container images as built, without a container engine: the image of this machine's
 * architecture (amd64 here, arm64 on a Raspberry Pi) unpacked into a root filesystem and started
 * isolated in namespaces (as its config says: entrypoint, user, environment), driven with its own
 * {@code outrigger-shell} and stopped with SIGTERM; the other one checked for what it claims and,
 * under qemu-user, for a JVM that runs the gateway.
 */
public class ImageIT {

    /** An image's platform: its name, its ELF machine, the qemu-user that runs it elsewhere, the JVM's os.arch. */
    private record Platform(String name, int elfMachine, String qemu, String osArch) {
    }

    private static final Platform AMD64 = new Platform("amd64", 62, "qemu-x86_64-static", "amd64");
    private static final Platform ARM64 = new Platform("arm64", 183, "qemu-aarch64-static", "aarch64");
    private static final Platform NATIVE = "aarch64".equals(System.getProperty("os.arch")) ? ARM64 : AMD64;
    private static final Platform FOREIGN = NATIVE == AMD64 ? ARM64 : AMD64;

    private static final Path IMAGES = Path.of(System.getProperty("outrigger.images", "../run/image/target/image"));
    private static final String VERSION = System.getProperty("outrigger.version", "0.1.0-SNAPSHOT");
    private static final KubernetesSerialization KUBE = new KubernetesSerialization();

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private Process container;
    private PtyPair pty;

    /**
     * The JVM first: chroot's change of user clears the parent-death signal that would otherwise
     * take it down with unshare, so after a failed test it would outlive the container.
     */
    @After
    public void stop() throws InterruptedException {
        if (pty != null) {
            pty.close();
        }
        if (container != null && container.isAlive()) {
            for (ProcessHandle p : container.toHandle().descendants().toList()) {
                p.destroyForcibly();
                p.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(slow -> p).join();
            }
            container.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    public void theImageOfThisArchitectureStartsIsolatedWithEveryBundleActiveAndStopsOnSigterm() throws Exception {
        Path oci = unpackArchive(image(NATIVE));
        Map<String, Object> manifest = manifest(oci);
        Map<?, ?> config = (Map<?, ?>) blob(oci, (Map<?, ?>) manifest.get("config")).get("config");
        assertEquals("1000:1000", config.get("User"));
        assertEquals(List.of("/opt/outrigger/bin/outrigger"), config.get("Entrypoint"));
        assertTrue(config.get("Volumes").toString(), ((Map<?, ?>) config.get("Volumes")).keySet()
                .containsAll(List.of("/opt/outrigger/etc", "/opt/outrigger/data")));

        Path root = Files.createDirectories(folder.getRoot().toPath().resolve("rootfs"));
        for (Object layer : (List<?>) manifest.get("layers")) {
            run(List.of("tar", "--warning=no-unknown-keyword", "-xzpf", oci.resolve(blobPath((Map<?, ?>) layer)).toString(), "-C", root.toString(),
                    "--numeric-owner"));
        }
        Files.createDirectories(root.resolve("proc"));
        Files.createDirectories(root.resolve("dev"));
        // a free port (published in data/shell.port), not 7171, and free ones for the quick start's
        // broker and radio: a gateway may run on this machine
        Files.writeString(root.resolve("opt/outrigger/etc/dev.outrigger.shell.cfg"), "enabled = true\nport = 0\n");
        FreePorts.configure(root.resolve("opt/outrigger/etc"));
        // the health endpoint as the DaemonSet's ConfigMap configures it, on a free port (logged)
        Files.writeString(root.resolve("opt/outrigger/etc/dev.outrigger.health.cfg"),
                Files.readString(Distribution.K8S_BASE.resolve("etc/dev.outrigger.health.cfg")).replaceAll("(?m)^port = \\d+$", "port = 0"));

        Path log = folder.getRoot().toPath().resolve("container.log");
        container = inRoot(root, List.of("/opt/outrigger/bin/outrigger"))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(log.toFile()).redirectErrorStream(true).start();
        String bundles = Await.value("every bundle active, says the container's shell", Duration.ofSeconds(30), () -> {
            if (!container.isAlive()) {
                throw new AssertionError("the container exited: " + Files.readString(log));
            }
            Process shell = inRoot(root, List.of("/opt/outrigger/bin/outrigger-shell", "lb")).redirectErrorStream(true).start();
            String out = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            List<String> rows = GatewayProcess.bundleLines(out);
            return shell.waitFor() == 0 && out.contains("Outrigger serial bridge")
                    && rows.stream().allMatch(l -> l.contains("|Active")) ? out : null;
        });
        assertTrue(bundles, bundles.lines().filter(l -> l.contains("|Active")).count() >= 20);
        // the DaemonSet's probes, as the kubelet asks them
        int port = Integer.parseInt(Await.value("the health endpoint's port in the log", Duration.ofSeconds(5), () -> {
            Matcher m = Pattern.compile("Health endpoint on http://127.0.0.1:(\\d+)/").matcher(Files.readString(log));
            return m.find() ? m.group(1) : null;
        }));
        HttpClient http = HttpClient.newHttpClient();
        String[] ready = { "" };
        try {
            Await.until("the container ready, says its readiness probe", Duration.ofSeconds(15), () -> {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build(),
                        HttpResponse.BodyHandlers.ofString());
                ready[0] = response.body();
                return response.statusCode() == 200;
            });
        } catch (AssertionError unhealthy) {
            throw new AssertionError("readyz: " + ready[0], unhealthy);
        }
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/livez")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
        if (isRoot()) {
            assertEquals("the runtime runs as the image's user, not root", 1000,
                    Files.getAttribute(root.resolve("opt/outrigger/data/cache"), "unix:uid"));
        }

        // SIGTERM to the JVM, as a container runtime sends it to the entrypoint's process
        ProcessHandle jvm = container.toHandle().children().findFirst().orElseThrow();
        assertTrue(jvm.info().command().orElse("").endsWith("/java"));
        run(List.of("kill", "-TERM", Long.toString(jvm.pid())));
        assertTrue("stopped within 10 s of SIGTERM", container.waitFor(10, TimeUnit.SECONDS));
        assertEquals(Files.readString(log), 0, container.exitValue());
        assertTrue(Files.readString(log).contains("SIGTERM received"));
    }

    @Test
    public void theImageOfTheOtherArchitectureIsItsThroughAndRunsTheGatewayUnderEmulation() throws Exception {
        Path all = unpackArchive(IMAGES.resolve("outrigger-" + VERSION + ".tar"));
        Map<String, Object> index = Json.object(Files.readAllBytes(all.resolve("index.json")));
        List<?> platforms = ((List<?>) index.get("manifests")).stream().map(m -> ((Map<?, ?>) ((Map<?, ?>) m).get("platform"))
                .get("architecture")).toList();
        assertEquals("one index for both platforms", List.of("amd64", "arm64"), platforms);

        Path oci = unpackArchive(image(FOREIGN));
        Map<String, Object> manifest = manifest(oci);
        Map<String, Object> config = blob(oci, (Map<?, ?>) manifest.get("config"));
        assertEquals(FOREIGN.name(), config.get("architecture"));
        assertEquals("linux", config.get("os"));

        // the JDK's archive, which Java 17 does not dump the same twice, alone in the middle layer:
        // the system layer below it stays the same from build to build
        List<?> layers = (List<?>) manifest.get("layers");
        assertEquals("system, class data, distribution", 3, layers.size());
        assertEquals("its one file", List.of("opt/java/lib/server/classes.jsa"), run(List.of("tar", "--warning=no-unknown-keyword",
                "-tzf", oci.resolve(blobPath((Map<?, ?>) layers.get(1))).toString())).lines().filter(f -> !f.endsWith("/")).toList());

        Path root = Files.createDirectories(folder.getRoot().toPath().resolve("rootfs-" + FOREIGN.name()));
        for (Object layer : layers) {
            run(List.of("tar", "--warning=no-unknown-keyword", "-xzf", oci.resolve(blobPath((Map<?, ?>) layer)).toString(), "-C", root.toString(),
                    "--no-same-owner"));
        }
        byte[] elf = new byte[20];
        try (InputStream in = Files.newInputStream(root.resolve("opt/java/bin/java"))) {
            assertEquals(20, in.readNBytes(elf, 0, 20));
        }
        assertEquals("ELF", new String(elf, 1, 3, StandardCharsets.US_ASCII));
        assertEquals("64-bit", 2, elf[4]);
        assertEquals("e_machine of " + FOREIGN.name(), FOREIGN.elfMachine(), (elf[18] & 0xff) | (elf[19] & 0xff) << 8);

        Path qemu = Path.of("/usr/bin", FOREIGN.qemu());
        assertTrue("qemu-user-static is installed (.ci/run installs it)", Files.isExecutable(qemu));
        Process java = new ProcessBuilder(qemu.toString(), "-L", root.toString(), root.resolve("opt/java/bin/java").toString(),
                "-version").redirectErrorStream(true).start();
        String version = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(java.waitFor(60, TimeUnit.SECONDS));
        assertEquals(version, 0, java.exitValue());
        assertTrue(version, version.contains("OpenJDK") && version.contains("17."));
        // with its class data sharing archive, dumped under emulation at build time: -Xshare:on fails unless it maps
        Process shared = new ProcessBuilder(qemu.toString(), "-L", root.toString(), root.resolve("opt/java/bin/java").toString(),
                "-Xshare:on", "-version").redirectErrorStream(true).start();
        String sharing = new String(shared.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(shared.waitFor(60, TimeUnit.SECONDS));
        assertEquals(sharing, 0, shared.exitValue());
        assertTrue(sharing, sharing.contains("sharing"));

        // the whole gateway as the image starts it (its bin/outrigger, distribution and JVM), the JVM
        // emulated; this machine's shell runs the script, as no binfmt registration lets it exec the image's
        Path home = root.resolve("opt/outrigger");
        Files.writeString(home.resolve("etc/dev.outrigger.shell.cfg"), "enabled = true\nport = 0\n");
        FreePorts.configure(home.resolve("etc"));
        Path emulated = Files.createDirectories(folder.getRoot().toPath().resolve("emulated-jdk/bin"));
        Files.writeString(emulated.resolve("java"), "#!/bin/sh\nexec " + qemu + " -L " + root + " " + root.resolve("opt/java/bin/java")
                + " \"$@\"\n");
        assertTrue(emulated.resolve("java").toFile().setExecutable(true));
        // a bridge on a pseudo-terminal, for the serial port library's native part of this platform
        pty = new PtyPair(Files.createDirectories(folder.getRoot().toPath().resolve("pty")));
        int bridgePort = Ports.free();
        Files.writeString(home.resolve("etc/dev.outrigger.discovery.cfg"), "\ndevicePaths = " + pty.device + "\n",
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Files.writeString(home.resolve("etc/dev.outrigger.bridge-emulated.cfg"), "device = " + pty.device + "\nport = " + bridgePort + "\n");
        Path log = folder.getRoot().toPath().resolve("emulated.log");
        ProcessBuilder gateway = new ProcessBuilder(home.resolve("bin/outrigger").toString())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(log.toFile()).redirectErrorStream(true);
        gateway.environment().put("JAVA_HOME", emulated.getParent().toString());
        gateway.environment().put("OUTRIGGER_CDS", "off"); // an archive is the JVM's own business, and slow to write emulated
        container = gateway.start();
        String board = Await.value("every bundle active in the emulated " + FOREIGN.name() + " gateway", Duration.ofSeconds(90), () -> {
            if (!container.isAlive()) {
                throw new AssertionError("the emulated gateway exited: " + Files.readString(log));
            }
            String health = hostShell(home, "health");
            return health.startsWith("healthy") ? hostShell(home, "device:board") : null;
        });
        assertTrue(board, board.contains("architecture  " + FOREIGN.osArch()));
        try (FileInputStream peer = new FileInputStream(pty.peer.toRealPath().toFile());
                Socket client = Await.value("the emulated gateway bridging the pty", Duration.ofSeconds(60), () -> bridged(bridgePort))) {
            client.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            assertArrayEquals("ping".getBytes(StandardCharsets.US_ASCII), PtyPair.readFully(peer, 4));
            Files.write(pty.peer.toRealPath(), new byte[] { 0x7e, 0x00 });
            assertArrayEquals(new byte[] { 0x7e, 0x00 }, PtyPair.readFully(client.getInputStream(), 2));
        }
        run(List.of("kill", "-TERM", Long.toString(container.pid())));
        assertTrue("stopped within 10 s of SIGTERM", container.waitFor(10, TimeUnit.SECONDS));
        assertEquals(Files.readString(log), 0, container.exitValue());
    }

    /** A client the bridge on this port took in: it says nothing, where one it turns away is told why. */
    private static Socket bridged(int port) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(2_000);
        try {
            String refused = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            s.close();
            throw new IOException("turned away: " + refused.strip());
        } catch (SocketTimeoutException silentSoBridged) {
            s.setSoTimeout(10_000);
            return s;
        }
    }

    /** A command of the shell, run by this machine's JVM against a gateway's home. */
    private static String hostShell(Path home, String command) throws Exception {
        ProcessBuilder shell = new ProcessBuilder(home.resolve("bin/outrigger-shell").toString(), command).redirectErrorStream(true);
        shell.environment().remove("JAVA_HOME");
        Process p = shell.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? out : "";
    }

    @Test
    @SuppressWarnings("unchecked")
    public void theDaemonSetRunsThisImageWithItsUserAndMountsWhatItDeclares() throws Exception {
        Path oci = unpackArchive(image(NATIVE));
        Map<?, ?> config = (Map<?, ?>) blob(oci, (Map<?, ?>) manifest(oci).get("config")).get("config");
        Path base = Distribution.K8S_BASE;
        // that the files it names are there, everyFileTheKustomizationsNameIsThere says
        Map<String, Object> kustomization = new Yaml().load(Files.readString(base.resolve("kustomization.yaml")));
        Map<?, ?> image = (Map<?, ?>) ((List<?>) kustomization.get("images")).get(0);
        assertEquals("the image this build tags", VERSION, image.get("newTag"));

        List<String> kinds = objects(base).stream().map(HasMetadata::getKind).toList();
        assertTrue(kinds.toString(), kinds.containsAll(List.of("Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding",
                "Role", "RoleBinding", "DaemonSet")));

        Map<String, Object> daemonSet = new Yaml().load(Files.readString(base.resolve("daemonset.yaml")));
        Map<String, Object> pod = (Map<String, Object>) ((Map<?, ?>) ((Map<?, ?>) daemonSet.get("spec")).get("template")).get("spec");
        assertEquals(config.get("User"), ((Map<?, ?>) pod.get("securityContext")).get("runAsUser") + ":"
                + ((Map<?, ?>) pod.get("securityContext")).get("runAsGroup"));
        Map<?, ?> container = (Map<?, ?>) ((List<?>) pod.get("containers")).get(0);
        assertEquals(image.get("name"), container.get("image"));
        List<?> mounts = ((List<?>) container.get("volumeMounts")).stream().map(m -> ((Map<?, ?>) m).get("mountPath")).toList();
        assertTrue(mounts + " holds the image's volumes " + config.get("Volumes"),
                mounts.containsAll(((Map<?, ?>) config.get("Volumes")).keySet()));

        // the probes ask the health endpoint where the ConfigMap puts it
        List<?> clusterFiles = (List<?>) ((Map<?, ?>) ((List<?>) kustomization.get("configMapGenerator")).get(0)).get("files");
        assertTrue(clusterFiles.toString(), clusterFiles.contains("etc/dev.outrigger.health.cfg"));
        Matcher port = Pattern.compile("(?m)^port = (\\d+)$").matcher(Files.readString(base.resolve("etc/dev.outrigger.health.cfg")));
        assertTrue(port.find());
        for (String probe : List.of("livenessProbe", "readinessProbe")) {
            Map<?, ?> get = (Map<?, ?>) ((Map<?, ?>) container.get(probe)).get("httpGet");
            assertEquals(probe, Integer.parseInt(port.group(1)), get.get("port"));
            assertEquals(probe, "127.0.0.1", get.get("host"));
        }
    }

    /**
     * The base, its components and overlays, and the gateways' outside the cluster: what each names
     * (resources, components, generated files) is there, and its objects parse as their kinds.
     */
    @Test
    public void everyFileTheKustomizationsNameIsThere() throws Exception {
        List<Path> kustomizations;
        try (var found = Files.walk(Distribution.K8S_BASE.getParent())) {
            kustomizations = found.filter(p -> p.getFileName().toString().equals("kustomization.yaml")).toList();
        }
        assertTrue(kustomizations.toString(), kustomizations.size() >= 3);
        for (Path kustomization : kustomizations) {
            Map<String, Object> k = new Yaml().load(Files.readString(kustomization));
            List<String> named = new ArrayList<>();
            for (String list : List.of("resources", "components")) {
                ((List<?>) k.getOrDefault(list, List.of())).forEach(r -> named.add(r.toString()));
            }
            for (String generator : List.of("configMapGenerator", "secretGenerator")) {
                for (Object g : (List<?>) k.getOrDefault(generator, List.of())) {
                    // key=file names the file after the =
                    Object files = ((Map<?, ?>) g).get("files");
                    if (files != null) {
                        ((List<?>) files).forEach(f -> named.add(f.toString().replaceFirst("^[^=]*=", "")));
                    }
                }
            }
            for (String name : named) {
                assertTrue(kustomization + " names " + name, Files.exists(kustomization.resolveSibling(name)));
            }
            objects(kustomization.getParent());
        }
        List<String> nodeMode = objects(Distribution.K8S_BASE.resolveSibling("node-mode")).stream().map(HasMetadata::getKind).toList();
        assertTrue(nodeMode.toString(), nodeMode.containsAll(List.of("Namespace", "ServiceAccount", "Secret", "ClusterRole",
                "ClusterRoleBinding", "Role", "RoleBinding")));
    }

    /**
     * The objects of a kustomization's resources (a folder named there: its own), each parsed as
     * what Kubernetes expects of its kind in fabric8's typed model; the Prometheus operator's kinds,
     * which that model lacks, MonitoringIT checks.
     */
    private static List<HasMetadata> objects(Path kustomization) throws IOException {
        Map<String, Object> k = new Yaml().load(Files.readString(kustomization.resolve("kustomization.yaml")));
        List<HasMetadata> objects = new ArrayList<>();
        for (Object resource : (List<?>) k.getOrDefault("resources", List.of())) {
            Path named = kustomization.resolve(resource.toString());
            if (Files.isDirectory(named)) {
                objects.addAll(objects(named));
                continue;
            }
            for (String doc : Files.readString(named).split("(?m)^---$")) {
                HasMetadata object = KUBE.unmarshal(doc);
                assertTrue(named + ": " + object.getKind(), object instanceof GenericKubernetesResource
                        ? object.getApiVersion().startsWith("monitoring.coreos.com/")
                        : object.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model"));
                objects.add(object);
            }
        }
        return objects;
    }

    private ProcessBuilder inRoot(Path root, List<String> command) throws IOException {
        Path script = folder.getRoot().toPath().resolve("in-rootfs.sh");
        if (!Files.exists(script)) {
            try (InputStream in = ImageIT.class.getResourceAsStream("/in-rootfs.sh")) {
                Files.copy(in, script);
            }
        }
        List<String> all = new ArrayList<>(List.of("sh", script.toString(), root.toString(), "1000:1000"));
        all.addAll(command);
        return new ProcessBuilder(all);
    }

    private static Path image(Platform platform) {
        return IMAGES.resolve("outrigger-" + VERSION + "-" + platform.name() + ".tar");
    }

    private Path unpackArchive(Path tar) throws Exception {
        assertTrue(tar + " is built (run/image)", Files.isRegularFile(tar));
        Path dir = Files.createDirectories(folder.getRoot().toPath().resolve(tar.getFileName() + ".d"));
        run(List.of("tar", "-xf", tar.toString(), "-C", dir.toString()));
        return dir;
    }

    private static Map<String, Object> manifest(Path oci) throws IOException {
        Map<String, Object> index = Json.object(Files.readAllBytes(oci.resolve("index.json")));
        return blob(oci, (Map<?, ?>) ((List<?>) index.get("manifests")).get(0));
    }

    private static Map<String, Object> blob(Path oci, Map<?, ?> descriptor) throws IOException {
        return Json.object(Files.readAllBytes(oci.resolve(blobPath(descriptor))));
    }

    private static String blobPath(Map<?, ?> descriptor) {
        return "blobs/" + descriptor.get("digest").toString().replace(':', '/');
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Runs a command to its successful end; its output. */
    private static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(String.join(" ", command) + " finished", p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(String.join(" ", command) + ": " + out, 0, p.exitValue());
        return out;
    }
}
