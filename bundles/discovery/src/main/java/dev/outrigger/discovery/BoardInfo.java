package dev.outrigger.discovery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;

import dev.outrigger.device.Board;
import dev.outrigger.device.BoardSensors;
import dev.outrigger.framework.threads.Daemons;

/**
 * The machine itself, read once: model and compatible list from the device tree (Raspberry Pi and
 * other ARM boards), else from DMI (PCs and thin clients); architecture and host name. Its power
 * and heat are looked at every 2 s, as often as a Raspberry Pi's kernel asks the firmware.
 */
// immediate: the board is looked at, and an under-voltage said, whether or not anyone asks (a delayed
// component would start looking with the first user, and be made anew for one during a stop)
@Component(configurationPid = Discovery.PID, property = "board.source=discovery", immediate = true)
public class BoardInfo implements Board {

    private Path sys;
    private Path proc;
    private volatile String model;
    private volatile List<String> compatible;
    private volatile String hostname;
    private volatile PowerAndHeat sensors;
    private ScheduledExecutorService looks;

    @Activate
    void activate(Discovery.Config config) {
        read(config);
        this.looks = Executors.newSingleThreadScheduledExecutor(Daemons.named("outrigger-board"));
        looks.scheduleWithFixedDelay(() -> sensors.look(), 2, 2, TimeUnit.SECONDS);
    }

    /**
     * Another discovery setting changed (devicePaths, say): the board stays registered, so that
     * nobody sees it go and come back, and keeps what it has counted and said.
     */
    @Modified
    void modified(Discovery.Config config) {
        if (Path.of(config.sysfs()).equals(sys) && Path.of(config.proc()).equals(proc)) {
            sensors.overheatAt(config.overheatCelsius());
            sensors.look();
        } else {
            read(config);
        }
    }

    private void read(Discovery.Config config) {
        this.sys = Path.of(config.sysfs());
        this.proc = Path.of(config.proc());
        Path deviceTree = Files.isDirectory(proc.resolve("device-tree")) ? proc.resolve("device-tree")
                : sys.resolve("firmware/devicetree/base");
        this.compatible = compatible(deviceTree.resolve("compatible"));
        String dtModel = SysfsScanner.attribute(deviceTree.resolve("model"));
        this.model = dtModel != null && !dtModel.isEmpty() ? dtModel : dmiModel(sys.resolve("class/dmi/id"));
        String name = SysfsScanner.attribute(proc.resolve("sys/kernel/hostname"));
        this.hostname = name != null && !name.isEmpty() ? name : System.getenv().getOrDefault("HOSTNAME", "localhost");
        PowerAndHeat fresh = new PowerAndHeat(sys, config.overheatCelsius());
        fresh.look();
        this.sensors = fresh;
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        looks.shutdownNow();
        looks.awaitTermination(2, TimeUnit.SECONDS);
    }

    private static List<String> compatible(Path file) {
        try {
            return Arrays.stream(new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\0"))
                    .map(String::trim).filter(s -> !s.isEmpty()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** "LENOVO ThinkCentre M710q" and the like; a generic name when even DMI is missing. */
    private static String dmiModel(Path dmi) {
        String vendor = SysfsScanner.attribute(dmi.resolve("sys_vendor"));
        String product = SysfsScanner.attribute(dmi.resolve("product_name"));
        String version = SysfsScanner.attribute(dmi.resolve("product_version"));
        // Lenovo keeps the marketing name in product_version
        String name = vendor != null && "LENOVO".equalsIgnoreCase(vendor) && version != null && !version.isEmpty() ? version : product;
        if (name == null || name.isEmpty()) {
            return "Generic " + System.getProperty("os.arch") + " computer";
        }
        return vendor == null || vendor.isEmpty() || name.startsWith(vendor) ? name : vendor + " " + name;
    }

    @Override
    public String model() {
        return model;
    }

    @Override
    public List<String> compatible() {
        return compatible;
    }

    @Override
    public String architecture() {
        return System.getProperty("os.arch");
    }

    @Override
    public String hostname() {
        return hostname;
    }

    @Override
    public BoardSensors sensors() {
        return sensors.last();
    }
}
