package dev.outrigger.discovery;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.device.Role;
import dev.outrigger.device.SerialDevice;
import dev.outrigger.device.SerialSettings;
import dev.outrigger.framework.threads.Daemons;

/**
 * Keeps one {@link SerialDevice} service registered per serial port present, with the role its
 * profile gives it. Rescans when /dev changes (inotify: a device appears within milliseconds of its
 * node), again once udev has had time to create the by-id links, whenever a profile changes, and
 * periodically as a safety net. Each rescan is compared with what is registered, so a rapid replug
 * leaves neither duplicates nor stale services.
 */
@Component(configurationPid = Discovery.PID, service = {})
@Designate(ocd = Discovery.Config.class)
public class Discovery {

    static final String PID = "dev.outrigger.discovery";

    @ObjectClassDefinition(name = "Outrigger discovery", description = "Where to look for serial devices and the board.")
    public @interface Config {
        @AttributeDefinition(description = "sysfs root (another folder for tests, or a host mount in a container)")
        String sysfs() default "/sys";

        @AttributeDefinition(description = "Device folder, watched for nodes appearing and disappearing")
        String dev() default "/dev";

        @AttributeDefinition(description = "procfs root (device tree, host name)")
        String proc() default "/proc";

        @AttributeDefinition(min = "1", description = "Full rescan interval, a safety net next to watching /dev")
        int rescanSeconds() default 30;

        @AttributeDefinition(description = "Role of devices no profile matches", options = {
                @Option(value = "ignore"), @Option(value = "bridge") })
        String unknownRole() default "ignore";

        @AttributeDefinition(min = "40", max = "125", description = "Temperature of a sensor, in °C, from which the board "
                + "counts as overheating (a Raspberry Pi's firmware throttles from 80 on)")
        double overheatCelsius() default 80;

        @AttributeDefinition(required = false, description = "Serial ports sysfs does not show, by absolute path, "
                + "listed while they lead to a terminal: pseudo-terminals (a socat link), a tty under another name")
        String[] devicePaths() default {};
    }

    private static final Logger LOG = LoggerFactory.getLogger(Discovery.class);
    private static final long DEBOUNCE_MS = 30;
    /** Added to a device's id in {@code reported} once its being the console was said: said once. */
    private static final String CONSOLE = " is the console";
    /** udev creates /dev/serial/by-id links shortly after the node: look again then. */
    private static final long UDEV_SETTLE_MS = 1_000;

    private final List<ConfiguredProfile> configured = new CopyOnWriteArrayList<>();
    private final Map<String, Registered> registered = new LinkedHashMap<>();
    private final Set<String> reported = new HashSet<>();
    private BundleContext context;
    private SysfsScanner scanner;
    private volatile ListedPaths listed;
    private Role unknownRole;
    private volatile ScheduledExecutorService executor;
    private WatchService watcher;
    private Path dev;
    /** Per folder of a listed path, the watch on it or on the nearest folder above it that exists. */
    private final Map<Path, WatchKey> listedWatches = new HashMap<>();
    private Thread watchThread;
    private String lastFailure;

    private record Registered(Device device, ServiceRegistration<SerialDevice> registration) {
    }

    @Activate
    void activate(BundleContext context, Config config) {
        this.context = context;
        start(config);
    }

    /**
     * Another setting (devicePaths, unknownRole, a board's overheatCelsius): the devices present
     * stay registered, and only those the change concerns are registered anew, so that a bridge's
     * clients, a radio's session are not dropped for a setting that is not theirs.
     */
    @Modified
    void modified(Config config) throws InterruptedException {
        stop();
        start(config);
    }

    private synchronized void start(Config config) {
        this.scanner = new SysfsScanner(Path.of(config.sysfs()), Path.of(config.dev()));
        Path ttys = Path.of(config.sysfs(), "class/tty");
        if (!Files.isDirectory(ttys)) {
            LOG.warn("Discovery: {} does not exist, so no serial device can be found (sysfs = {}; in a container, mount the "
                    + "node's /sys)", ttys, config.sysfs());
        }
        for (String entry : config.devicePaths()) {
            // refused from the shell and remotely; a file may still say it
            ListedPaths.unusable(entry).ifPresent(why -> LOG.warn("Discovery: devicePaths: {}; left out", why));
        }
        this.listed = new ListedPaths(Path.of(config.sysfs()), ListedPaths.usable(config.devicePaths()));
        this.unknownRole = Role.of(config.unknownRole());
        this.executor = Executors.newSingleThreadScheduledExecutor(Daemons.named("outrigger-discovery"));
        // watch before the first scan: a node created between the two would otherwise wait for the rescan
        watch(Path.of(config.dev()));
        rescan();
        executor.scheduleWithFixedDelay(this::rescan, config.rescanSeconds(), config.rescanSeconds(), TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        stop();
        synchronized (this) {
            registered.values().forEach(r -> unregister(r.registration()));
            registered.clear();
        }
    }

    /** Stops watching and scanning; what is registered stays. Not under the lock a scan under way holds. */
    private void stop() throws InterruptedException {
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException e) {
                LOG.debug("closing the /dev watch: {}", e.getMessage());
            }
            watchThread.join(2_000);
        }
        executor.shutdownNow();
        executor.awaitTermination(2, TimeUnit.SECONDS);
        listedWatches.clear();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addProfile(ConfiguredProfile profile) {
        configured.add(profile);
        requestRescan(0);
    }

    void removeProfile(ConfiguredProfile profile) {
        configured.remove(profile);
        requestRescan(0);
    }

    private void requestRescan(long delayMs) {
        ScheduledExecutorService e = executor;
        if (e != null && !e.isShutdown()) {
            try {
                e.schedule(this::rescan, delayMs, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopping) {
                // deactivating: nothing left to do
            }
        }
    }

    /**
     * Brings the registered services in line with what sysfs and /dev show now. Never throws: a
     * failure is logged once (until a scan succeeds again) and the next scan tries afresh, where an
     * exception would silently end the periodic rescans.
     */
    synchronized void rescan() {
        if (context == null || executor.isShutdown()) {
            return;
        }
        try {
            watchListedFolders();
            reconcile();
            lastFailure = null;
        } catch (RuntimeException e) {
            if (!String.valueOf(e).equals(lastFailure)) {
                lastFailure = String.valueOf(e);
                LOG.warn("Device scan failed, retrying with the next scan: {}", e.toString());
            }
        }
    }

    /**
     * Each port's id: its by-id name, or, where another port present has that one too (sticks alike
     * without a serial number), that name and the by-path one, the USB port it is plugged into. A
     * device keeps the id it has while it stays plugged in: its twin's coming or going renames
     * neither, nor ends what is served from it.
     */
    private Map<Port, String> ids(List<Port> ports) {
        Map<Port, String> ids = new HashMap<>();
        Set<String> taken = new HashSet<>();
        for (Port port : ports) {
            idWhilePresent(port).filter(taken::add).ifPresent(id -> ids.put(port, id));
        }
        for (Port port : ports) {
            if (!ids.containsKey(port)) {
                String id = taken.contains(port.id())
                        ? port.id() + "@" + port.byPath().map(p -> Path.of(p).getFileName().toString()).orElse(port.name())
                        : port.id();
                taken.add(id);
                ids.put(port, id);
            }
        }
        return ids;
    }

    /** The id the device on this port has, if it was here at the last scan. */
    private Optional<String> idWhilePresent(Port port) {
        return registered.entrySet().stream()
                .filter(r -> r.getValue().device().path().equals(port.path()) && r.getValue().device().port().id().equals(port.id()))
                .map(Map.Entry::getKey).findFirst();
    }

    private void reconcile() {
        Map<String, Device> found = new LinkedHashMap<>();
        List<Port> ports = new ArrayList<>(scanner.scan());
        ports.addAll(listed.scan(ports));
        Map<Port, String> ids = ids(ports);
        for (Port port : ports) {
            String id = ids.get(port);
            found.put(id, classify(id, port));
            for (String problem : port.problems()) {
                if (reported.add(id + problem)) {
                    LOG.warn("{}: {}; listed with what could be read", port.path(), problem);
                }
            }
        }
        for (Iterator<Map.Entry<String, Registered>> it = registered.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, Registered> e = it.next();
            if (!found.containsKey(e.getKey())) {
                unregister(e.getValue().registration());
                it.remove();
                reported.removeIf(r -> r.startsWith(e.getKey()));
                LOG.info("Serial device gone: {} ({})", e.getKey(), e.getValue().device().path());
            }
        }
        found.forEach((id, device) -> {
            Registered current = registered.get(id);
            if (current != null && current.device().equals(device)) {
                return;
            }
            if (current != null) {
                unregister(current.registration());
            }
            registered.put(id, new Registered(device,
                    context.registerService(SerialDevice.class, device, device.serviceProperties())));
            LOG.info("Serial device {}: {}", current == null ? "present" : "changed", describe(device));
            if (device.port().console() && device.role() != Role.IGNORE && reported.add(id + CONSOLE)) {
                LOG.warn("{} (role {}) is the kernel's serial console: boot messages, and the login prompt a getty shows there,"
                        + " go to the device, and what it sends goes to the login; turn the serial console off (Raspberry Pi:"
                        + " raspi-config, Interface Options, Serial Port: login shell no, hardware yes; elsewhere take console={}"
                        + " off the kernel command line)", device.path(), device.role().key(), device.name());
            }
        });
    }

    private Device classify(String id, Port port) {
        List<Profile> candidates = new ArrayList<>(BuiltInProfiles.all());
        configured.forEach(c -> c.profile().ifPresent(candidates::add));
        return candidates.stream()
                .filter(p -> p.score(port) != Profile.NO_MATCH)
                .max(Comparator.comparingLong(p -> p.score(port)))
                .map(p -> new Device(id, port, p.role(), p.settings(), p.port(), p.name()))
                .orElseGet(() -> new Device(id, port, unknownRole, SerialSettings.DEFAULT, 0, "default"));
    }

    /** Watches /dev; the listed paths' folders are watched by each scan, as they come and go. */
    private void watch(Path dev) {
        this.dev = dev;
        try {
            watcher = FileSystems.getDefault().newWatchService();
            dev.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException e) {
            LOG.warn("Cannot watch {} ({}); devices are found by the periodic rescan only", dev, e.getMessage());
            watcher = null;
            return;
        }
        WatchService w = watcher;
        watchThread = Daemons.start("outrigger-discovery-watch", () -> watchLoop(w));
    }

    /**
     * Watches the folder of each listed path, or while it does not exist (a socat service that
     * makes its folder when it starts, or removes it when it stops) the nearest folder above it
     * that does, so that its creation is seen too and brings the watch one step closer.
     */
    private void watchListedFolders() {
        if (watcher == null) {
            return;
        }
        for (Path folder : listed.paths().stream().map(Path::getParent).distinct().toList()) {
            Path existing = folder;
            while (existing != null && !Files.isDirectory(existing)) {
                existing = existing.getParent();
            }
            WatchKey key = listedWatches.get(folder);
            if (existing == null || key != null && key.isValid() && key.watchable().equals(existing)) {
                continue;
            }
            try {
                listedWatches.put(folder, existing.register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
                        StandardWatchEventKinds.ENTRY_DELETE));
            } catch (IOException | ClosedWatchServiceException e) {
                LOG.debug("not watching {} ({}): its listed paths are found by the periodic rescan", existing, e.getMessage());
            }
            if (key != null && key.isValid() && !key.watchable().equals(dev) && !listedWatches.containsValue(key)) {
                key.cancel(); // the folder above, no longer needed
            }
        }
    }

    private void watchLoop(WatchService events) {
        try {
            while (true) {
                WatchKey key = events.take();
                boolean relevant = false;
                for (WatchEvent<?> event : key.pollEvents()) {
                    String name = String.valueOf(event.context());
                    Path child = ((Path) key.watchable()).resolve(name);
                    relevant |= event.kind() == StandardWatchEventKinds.OVERFLOW
                            || name.startsWith("tty") || name.startsWith("rfcomm") || name.equals("serial")
                            || listed.paths().stream().anyMatch(p -> p.startsWith(child));
                }
                // a watched folder removed: the next scan watches the one above it
                relevant |= !key.reset();
                if (relevant) {
                    requestRescan(DEBOUNCE_MS);
                    requestRescan(UDEV_SETTLE_MS);
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException stopped) {
            // deactivated
        }
    }

    private static void unregister(ServiceRegistration<?> registration) {
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the bundle is stopping and the framework unregistered it first
        }
    }

    static String describe(Device d) {
        return d.name() + " " + d.usb().map(u -> u.ids() + " '" + u.product() + "'"
                + (u.serial().isEmpty() ? "" : " serial " + u.serial())).orElse(d.driver())
                + ", id " + d.id() + ", role " + d.role().key() + " (profile " + d.profile() + ")";
    }
}
