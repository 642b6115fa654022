package dev.outrigger.deviceplugin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.device.SerialDevice;
import dev.outrigger.framework.files.DataFolder;
import dev.outrigger.framework.logging.Outage;
import dev.outrigger.framework.table.Table;
import dev.outrigger.framework.threads.Daemons;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;

/**
 * The kubelet's device plugin for the devices discovery gives role {@code pod}: one resource per
 * profile, named after it ({@code outrigger.dev/zigbee} for the devices of profile {@code zigbee}),
 * which a pod asks for in its resource limits and then gets the device in its container, without
 * privileges or a hostPath. Checks every second that each resource is served and registered with
 * the kubelet there is now (a kubelet that restarts forgets its plugins). Off the kubelet's node,
 * or without its folder mounted, it waits and says so once. {@code deviceplugin:status} shows each
 * resource.
 */
@Component(service = DevicePlugins.class, immediate = true, configurationPid = DevicePlugins.PID,
        property = { "osgi.command.scope=deviceplugin", "osgi.command.function=status" })
@Designate(ocd = DevicePlugins.Config.class)
public class DevicePlugins {

    static final String PID = "dev.outrigger.deviceplugin";

    @ObjectClassDefinition(name = "Outrigger kubelet device plugin", description = "Devices with role pod, handed to the "
            + "pods that ask for them in their resource limits")
    public @interface Config {
        @AttributeDefinition(description = "The kubelet's device plugin folder, where its socket kubelet.sock is")
        String folder() default "/var/lib/kubelet/device-plugins";

        @AttributeDefinition(description = "Prefix of the resource names, e.g. outrigger.dev/zigbee")
        String prefix() default "outrigger.dev";
    }

    private static final Logger LOG = LoggerFactory.getLogger(DevicePlugins.class);
    /** Where the shaded Netty of gRPC writes its epoll library before loading it: data/, not a noexec /tmp. */
    private static final String NETTY_NATIVE_FOLDER = "io.grpc.netty.shaded.io.netty.native.workdir";

    private final Path folder;
    private final String prefix;
    private final Path nativeFolder;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(Daemons.named("outrigger-deviceplugin"));
    /** The devices with role pod, by id. */
    private final Map<String, SerialDevice> devices = new ConcurrentHashMap<>();
    /** Guarded by this: by resource name; each stays, serving what is plugged in, once a device had it. */
    private final Map<String, ResourcePlugin> plugins = new TreeMap<>();
    private final Map<String, Outage> outages = new ConcurrentHashMap<>();
    private EventLoopGroup loop;
    private volatile String waiting;

    @Activate
    public DevicePlugins(Config config, BundleContext context) {
        this(config, DataFolder.of(context).resolve("native"));
    }

    DevicePlugins(Config config, Path nativeFolder) {
        this.folder = Path.of(config.folder().trim());
        this.prefix = config.prefix().trim();
        this.nativeFolder = nativeFolder;
        timer.scheduleWithFixedDelay(this::keep, 0, 1, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        timer.shutdownNow();
        timer.awaitTermination(10, TimeUnit.SECONDS);
        synchronized (this) {
            for (ResourcePlugin plugin : plugins.values()) {
                try {
                    plugin.close();
                } catch (IOException e) {
                    LOG.warn("Device plugin {}: cannot remove {}: {}", plugin.resource(), plugin.socket(), e.getMessage());
                }
            }
            if (loop != null) {
                // ended before the bundle is: its thread would load classes from a bundle gone
                loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(device.role=pod)")
    void addDevice(SerialDevice device) {
        devices.put(device.id(), device);
        keepSoon();
    }

    void removeDevice(SerialDevice device) {
        devices.remove(device.id(), device);
        keepSoon();
    }

    /** The kubelet hears of a device at once, not at the next tick; not at all once deactivated. */
    private void keepSoon() {
        try {
            timer.execute(this::keep);
        } catch (RejectedExecutionException deactivated) {
            // Declarative Services unbinds the devices after deactivate: nothing is served any more
        }
    }

    /** The devices with role pod, by the resource they are. */
    private Map<String, List<SerialDevice>> byResource() {
        Map<String, List<SerialDevice>> byResource = new TreeMap<>();
        devices.values().forEach(d -> byResource.computeIfAbsent(resourceName(d.profile()), r -> new ArrayList<>()).add(d));
        return byResource;
    }

    /**
     * A resource's name of a profile's, as Kubernetes takes it: at most 63 of letters, digits,
     * {@code -}, {@code _} and {@code .}, beginning and ending with a letter or digit.
     */
    static String resourceName(String profile) {
        String name = profile.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-");
        name = name.length() > 63 ? name.substring(0, 63) : name;
        name = name.replaceAll("^[^a-z0-9]+|[^a-z0-9]+$", "");
        return name.isEmpty() ? "serial" : name;
    }

    /** On the timer: each resource told its devices, served and registered; what fails is said and tried again. */
    private synchronized void keep() {
        Map<String, List<SerialDevice>> byResource = byResource();
        if (byResource.isEmpty() && plugins.isEmpty()) {
            return; // nothing to hand out: no gRPC, no threads
        }
        if (!Files.isDirectory(folder)) {
            if (waiting == null) {
                waiting = "the kubelet's device plugin folder " + folder + " is not there (not a Kubernetes node, or the "
                        + "folder not mounted into the gateway's container)";
                LOG.warn("Device plugin: {}; waiting for it", waiting);
            }
            return;
        }
        if (waiting != null) {
            LOG.info("Device plugin: {} is there now", folder);
            waiting = null;
        }
        byResource.keySet().forEach(name -> plugins.computeIfAbsent(name, n -> new ResourcePlugin(prefix, n, folder, loop())));
        for (Map.Entry<String, ResourcePlugin> entry : plugins.entrySet()) {
            ResourcePlugin plugin = entry.getValue();
            plugin.devices(byResource.getOrDefault(entry.getKey(), List.of()));
            Outage outage = outages.computeIfAbsent(plugin.resource(), r -> new Outage());
            try {
                if (plugin.keep()) {
                    LOG.info("Device plugin: {} registered with the kubelet, {} device(s)", plugin.resource(), plugin.devices().size());
                }
                outage.worked(() -> { });
            } catch (IOException | RuntimeException e) {
                outage.failed(n -> LOG.warn("Device plugin: {}{}: {}; trying again every second", plugin.resource(), Outage.times(n),
                        e.getMessage()));
            }
        }
    }

    private EventLoopGroup loop() {
        if (loop == null) {
            if (System.getProperty(NETTY_NATIVE_FOLDER) == null) {
                try {
                    System.setProperty(NETTY_NATIVE_FOLDER, Files.createDirectories(nativeFolder).toString());
                } catch (IOException e) {
                    LOG.warn("Device plugin: cannot create {} ({}); the native library goes to the temporary folder", nativeFolder,
                            e.getMessage());
                }
            }
            loop = new MultiThreadIoEventLoopGroup(1, Daemons.named("outrigger-deviceplugin-grpc"), EpollIoHandler.newFactory());
        }
        return loop;
    }

    /** The resources served now. */
    synchronized List<ResourcePlugin> served() {
        return List.copyOf(plugins.values());
    }

    /** Gogo: {@code deviceplugin:status}. */
    public synchronized String status() {
        StringBuilder out = new StringBuilder();
        Optional.ofNullable(waiting).ifPresent(w -> out.append("waiting: ").append(w).append(System.lineSeparator()));
        Map<String, List<SerialDevice>> byResource = byResource();
        plugins.keySet().forEach(name -> byResource.putIfAbsent(name, List.of()));
        if (byResource.isEmpty()) {
            return out.append("no resource: no device with role pod plugged in (device:list shows the roles; a profile with "
                    + "role = pod hands its devices to pods)").append(System.lineSeparator()).toString();
        }
        Table table = new Table().column("RESOURCE").column("SOCKET").column("REGISTERED").number("ALLOCATIONS").column("DEVICES");
        byResource.forEach((name, present) -> {
            ResourcePlugin plugin = plugins.get(name);
            String registered = plugin == null ? "no (no folder)" : plugin.registered() == null ? "no (no kubelet)"
                    : plugin.registered().truncatedTo(ChronoUnit.SECONDS).toString();
            table.row(prefix + "/" + name, plugin == null ? null : plugin.socket(), registered, plugin == null ? 0 : plugin.allocations(),
                    present.isEmpty() ? null : String.join(", ", present.stream().map(SerialDevice::id).toList()));
        });
        return out.append(table).toString();
    }
}
