package dev.outrigger.discovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A full discovery rescan of a sysfs tree with 64 ttys: 32 USB-serial converters, 16 CDC ACM
 * radios, 8 board UARTs in the 6.5+ layout and 8 ttyS placeholders, with udev's by-id links for
 * half of the USB devices. Goal: under 20 ms.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RescanBenchmark {

    static final int TTYS = 64;
    private SysfsScanner scanner;

    @Setup
    public void tree() throws IOException {
        Path root = Files.createTempDirectory("outrigger-rescan-bench");
        FakeSysfs tree = new FakeSysfs(root);
        for (int i = 0; i < 32; i++) {
            tree.plugUsbSerial("ttyUSB" + i, "1-" + (i + 1), "10c4", "ea60", "Silicon Labs", "CP2102N USB to UART Bridge Controller",
                    String.format(Locale.ROOT, "%08x", i), "cp210x");
            if (i % 2 == 0) {
                tree.addByIdLink("usb-Silicon_Labs_CP2102N_" + i + "-if00-port0", "ttyUSB" + i);
            }
        }
        for (int i = 0; i < 16; i++) {
            tree.plugCdcAcm("ttyACM" + i, "1-" + (40 + i), "239a", "8029", "RAKwireless", "WisCore RAK4631 Board", "R" + i);
        }
        for (int i = 0; i < 8; i++) {
            tree.addPlatformUart("ttyAMA" + i, "fe20" + i + "000.serial", "uart-pl011", true);
            tree.addPlaceholderTtyS("ttyS" + i);
        }
        scanner = new SysfsScanner(tree.sys, tree.dev);
        int found = scanner.scan().size();
        if (found != 56) {
            throw new IllegalStateException("expected 56 ports (64 ttys less 8 placeholders), found " + found);
        }
    }

    @Benchmark
    public Object rescan() {
        return scanner.scan();
    }
}
