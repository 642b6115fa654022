package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import static dev.outrigger.itest.GatewayProcess.bundleLines;
import static dev.outrigger.itest.GatewayProcess.lines;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.Assume;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

import dev.outrigger.bridge.PtyPair;
import dev.outrigger.framework.Ports;

/**
 * The distribution as a user runs it: bin/outrigger as a real process, bin/outrigger-shell
 * against it, files dropped into deploy/ and etc/, SIGTERM to stop.
 */
public class RuntimeProcessIT {

    @Rule
    public final GatewayFolder folder = new GatewayFolder();

    private GatewayProcess gateway;

    @Before
    public void copyDistribution() throws Exception {
        // a space in the path, as in "/home/pi/Edge Gateway": the scripts and the launcher keep it one argument
        gateway = folder.gateway("edge gateway");
    }

    @Test
    public void startsWithEveryBundleActiveAnswersTheShellAndStopsCleanlyOnSigterm() throws Exception {
        long ready = gateway.start();
        System.out.printf(Locale.ROOT, "bin/outrigger: shell answering %d ms after launch%n", ready);

        // deploy/ is installed by FileInstall as the framework comes up: give it its moment
        Await.until("every bundle Active", Duration.ofSeconds(5),
                () -> bundleLines(gateway.shell("lb").output()).stream().allMatch(l -> l.contains("|Active")));
        GatewayProcess.Result lb = gateway.shell("lb");
        assertEquals(lb.output(), 0, lb.status());
        assertEquals("every bundle of the boot features (core, serial) plus the system bundle: " + lb.output(),
                Distribution.bundles("core").size() + Distribution.bundles("serial").size() + 1, bundleLines(lb.output()).size());

        GatewayProcess.Result unknown = gateway.shellScript("no-such-command");
        assertEquals("an unknown command fails the shell", List.of(1, "error: Command not found: no-such-command"),
                List.of(unknown.status(), unknown.output().strip()));
        GatewayProcess.Result notInstalled = gateway.shellScript("gps:status");
        assertEquals("a command of a feature not installed names it", List.of(1, "error: Command not found: gps:status; it comes"
                + " with feature gps, which is not installed: feature:install gps"), List.of(notInstalled.status(),
                        notInstalled.output().strip()));
        assertTrue("by its function alone too", gateway.shell("nodes").output().contains("feature:install meshtastic"));
        GatewayProcess.Result found = gateway.shellScript("lb | grep -q Gogo");
        assertEquals("a grep that matches, quietly, as in sh", List.of(0, ""), List.of(found.status(), found.output().strip()));
        GatewayProcess.Result missing = gateway.shellScript("lb | grep no-such-bundle");
        assertEquals("a grep that matches nothing fails", List.of(1, ""), List.of(missing.status(), missing.output().strip()));
        Path linked = Files.createSymbolicLink(folder.getRoot().toPath().resolve("outrigger-shell"),
                gateway.home.resolve("bin/outrigger-shell"));
        Process viaLink = new ProcessBuilder(linked.toString(), "lb").redirectErrorStream(true).start();
        String viaLinkOutput = new String(viaLink.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue("bin/outrigger-shell through a link, as from /usr/local/bin", viaLink.waitFor(20, TimeUnit.SECONDS));
        assertEquals(viaLinkOutput, 0, viaLink.exitValue());
        assertFalse("no perf data file, which the JVM would rewrite in /tmp (an SD card on many a Pi) all the time",
                Files.exists(Path.of(System.getProperty("java.io.tmpdir"), "hsperfdata_" + System.getProperty("user.name"),
                        String.valueOf(gateway.pid()))));

        long before = System.nanoTime();
        assertEquals("exit status after SIGTERM", 0, gateway.terminate(Duration.ofSeconds(5)));
        System.out.printf(Locale.ROOT, "bin/outrigger: stopped %d ms after SIGTERM%n", (System.nanoTime() - before) / 1_000_000);
        assertTrue(gateway.log(), gateway.log().matches("(?s).*outrigger: SIGTERM received, stopping\n.*outrigger: stopped in \\d+ ms\n"));
        assertEquals("nothing logged under the root logger (SCR's start-up notes go to org.apache.felix.scr, shown from WARN)",
                List.of(), lines(gateway.log(), " ROOT: "));
        assertFalse("the shell port file is removed on stop", Files.exists(gateway.home.resolve("data/shell.port")));
        assertEquals("outrigger-shell reports an unreachable runtime", 2, gateway.shellScript("lb").status());
    }

    @Test
    public void onATerminalTheConsoleTakesCommandsAndExitStopsTheRuntime() throws Exception {
        OutputStream keyboard = gateway.launchOnTerminal();
        // the prompt comes as the console's bundle starts, the commands of the others moments later
        Await.until("the console's prompt, the runtime started", Duration.ofSeconds(20),
                () -> gateway.log().contains("outrigger> ") && gateway.log().contains("outrigger: started"));
        keyboard.write("lb\n".getBytes(StandardCharsets.UTF_8));
        keyboard.flush();
        Await.until("the console's answer", Duration.ofSeconds(10), () -> gateway.log().contains("|Outrigger discovery"));
        // a command from the README whose feature is not installed: which feature, and how
        keyboard.write("gps:status\n".getBytes(StandardCharsets.UTF_8));
        keyboard.flush();
        Await.until("the advice", Duration.ofSeconds(10), () -> gateway.log()
                .contains("Command not found: gps:status; it comes with feature gps, which is not installed: feature:install gps"));
        // and arguments that fit no form of a command, in words
        keyboard.write("config:get\n".getBytes(StandardCharsets.UTF_8));
        keyboard.flush();
        Await.until("the wrong arguments said", Duration.ofSeconds(10), () -> gateway.log()
                .contains("wrong arguments for config:get; 'help config:get' says which it takes"));
        keyboard.write("exit\n".getBytes(StandardCharsets.UTF_8));
        keyboard.flush();
        assertEquals(gateway.log(), 0, gateway.awaitExit(Duration.ofSeconds(10)));
        assertEquals("only gps:status not found: " + gateway.log(), 1, lines(gateway.log(), "CommandNotFoundException").size());
    }

    /**
     * A configuration file deleted while the runtime was stopped (a key taken out of the DaemonSet's
     * ConfigMap): its configuration is gone at the next start, as if the file had been deleted while
     * the runtime ran, not kept in the framework's store.
     */
    @Test
    public void aConfigurationFileDeletedWhileStoppedIsGoneAtTheNextStart() throws Exception {
        Path file = gateway.home.resolve("etc/dev.outrigger.bridge-stick.cfg");
        int port = Ports.free();
        Files.writeString(file, "device = /dev/ttyNOTHERE\nport = " + port + "\n");
        gateway.start();
        Await.until("the bridge configured", Duration.ofSeconds(15),
                () -> gateway.shell("bridge:list").output().contains(String.valueOf(port)));
        assertEquals(0, gateway.terminate(Duration.ofSeconds(5)));

        Files.delete(file);
        gateway.start();
        Await.until("no bridge", Duration.ofSeconds(15),
                () -> gateway.shell("bridge:list").output().startsWith("no bridge: none configured"));
        assertTrue(gateway.log(), gateway.log().contains(" removed: its file " + file.getParent().toRealPath().resolve(
                "dev.outrigger.bridge-stick.cfg") + " was deleted while the runtime was stopped"));
        assertFalse("the files still there are kept", gateway.shell("config:get dev.outrigger.shell").output().contains("no "));
    }

    /** As on a Pi whose SD card the kernel remounted read-only after errors. */
    @Test
    public void aDataFolderThatCannotBeWrittenIsNamedInOneLine() throws Exception {
        Path data = Files.createDirectories(gateway.home.resolve("data"));
        try (Tmpfs readOnly = Tmpfs.mount(data, "ro,size=1m")) {
            gateway.launch();
            assertEquals(1, gateway.awaitExit(Duration.ofSeconds(20)));
        }
        assertEquals("outrigger: cannot write the data folder " + data.toRealPath() + " (Read-only file system: " + data.toRealPath()
                + "/lock); run the runtime as the user that owns it (not once with sudo, then without), or point OUTRIGGER_DATA"
                + " at a folder this user may write", gateway.log().strip());
    }

    @Test
    public void aJavaTooOldOrMissingIsNamedInOneLine() throws Exception {
        Path old = folder.newFolder("jdk-11").toPath();
        Files.writeString(old.resolve("release"), "IMPLEMENTOR=\"Eclipse Adoptium\"\nJAVA_VERSION=\"11.0.21\"\n");
        Path java = Files.createDirectories(old.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\nexit 99\n");
        java.toFile().setExecutable(true);
        gateway.environment.put("JAVA_HOME", old.toString());
        gateway.launch();
        assertEquals(1, gateway.awaitExit(Duration.ofSeconds(10)));
        assertEquals("outrigger: " + java + " is Java 11.0.21; Outrigger needs Java 17 or later (set JAVA_HOME to one)",
                gateway.log().strip());

        gateway.environment.put("JAVA_HOME", old.resolve("missing").toString());
        gateway.launch();
        assertEquals(1, gateway.awaitExit(Duration.ofSeconds(10)));
        assertTrue(gateway.log(), gateway.log().contains("outrigger: no Java at " + old.resolve("missing/bin/java")
                + "; set JAVA_HOME to a Java 17 or later, or put one on the PATH"));
    }

    @Test
    public void theScriptsTellHowTheyAreUsedAndRefuseWhatTheyDoNotTake() throws Exception {
        GatewayProcess.Result help = gateway.bin("outrigger", "--help");
        assertEquals(help.output(), 0, help.status());
        assertTrue(help.output(), help.output().startsWith("Usage: outrigger [--help | --version]\n")
                && help.output().contains("OUTRIGGER_HEAP") && !help.output().contains("#"));
        assertEquals(new GatewayProcess.Result(0, "Outrigger " + System.getProperty("outrigger.version", "0.1.0-SNAPSHOT") + "\n"),
                gateway.bin("outrigger", "--version"));
        GatewayProcess.Result unknown = gateway.bin("outrigger", "--console");
        assertEquals(unknown.output(), 2, unknown.status());
        assertTrue(unknown.output(), unknown.output().startsWith("outrigger: unknown argument --console"));
        assertFalse("nothing started", Files.exists(gateway.home.resolve("data/lock")));

        for (String script : List.of("outrigger-shell", "outrigger-upgrade")) {
            GatewayProcess.Result usage = gateway.bin(script, "--help");
            assertEquals(usage.output(), 0, usage.status());
            assertTrue(usage.output(), usage.output().startsWith("Usage: " + script + " "));
        }
    }

    @Test
    public void aHeapSizeWithoutItsUnitIsNamedInOneLine() throws Exception {
        // the JVM would take 48 for bytes and say "Initial heap size set to a larger value than the maximum heap size"
        gateway.environment.put("OUTRIGGER_HEAP", "48");
        gateway.launch();
        assertEquals(1, gateway.awaitExit(Duration.ofSeconds(10)));
        assertEquals("outrigger: OUTRIGGER_HEAP=48 is not a size; give one with its unit, e.g. 48m or 1g", gateway.log().strip());
    }

    /**
     * A newer Java (the Temurin 25 this machine has, where there is one) runs it without warnings
     * about Felix, or about the serial port library loading its native part for a radio on a pty.
     */
    @Test
    public void aNewerJavaRunsItWithoutWarnings() throws Exception {
        Path newer = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");
        Assume.assumeTrue("a Java 25 at " + newer, Files.isExecutable(newer.resolve("bin/java")));
        gateway.environment.put("JAVA_HOME", newer.toString());
        try (PtyPair pty = new PtyPair(folder.newFolder("pty").toPath())) {
            Path etc = gateway.home.resolve("etc");
            Files.writeString(etc.resolve("dev.outrigger.feature.cfg"), "install = meshtastic,simulator\n");
            Files.writeString(etc.resolve("dev.outrigger.simulator.cfg"), "port = " + Ports.free() + "\npty = " + pty.peer + "\n");
            Files.writeString(etc.resolve("dev.outrigger.meshtastic-simulated.cfg"), "address = " + pty.device + "\n");
            gateway.start();
            Await.until("the radio on the pty live", Duration.ofSeconds(20), () -> gateway.shell("mesh:info").output().contains("(live)"));
        }
        assertFalse(gateway.log(), gateway.log().contains("WARNING"));
        int status = gateway.terminate(Duration.ofSeconds(5));
        assertEquals(gateway.log(), 0, status);
    }

    /**
     * A second start on the same home (by hand, beside the service) would share the framework cache
     * and the stores, and take the first one's shell port file away: it refuses, saying who runs.
     */
    @Test
    public void aSecondRuntimeOnTheSameDataFolderRefusesToStartAndLeavesTheFirstAlone() throws Exception {
        gateway.start();
        Process second = new ProcessBuilder(gateway.home.resolve("bin/outrigger").toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true).start();
        try {
            String output = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue("exits at once", second.waitFor(10, TimeUnit.SECONDS));
            assertEquals(output, 1, second.exitValue());
            assertTrue(output, output.contains("outrigger: another Outrigger (pid " + gateway.pid() + ") runs on "
                    + gateway.home.resolve("data") + "; not starting a second one"));
        } finally {
            second.destroyForcibly();
        }
        GatewayProcess.Result lb = gateway.shell("lb");
        assertEquals("the first one still answers: " + lb.output(), 0, lb.status());
        assertEquals(0, gateway.terminate(Duration.ofSeconds(5)));

        gateway.start(); // the lock went with the process that held it
    }

    /**
     * A JVM out of memory runs on without the threads the error ended: a gateway half alive. It
     * ends instead, so that systemd or the kubelet starts it afresh (the outbox keeps what it took).
     */
    @Test
    public void runningOutOfMemoryEndsTheProcessForItsSupervisorToRestart() throws Exception {
        gateway.start();
        gateway.shell("(new java.lang.StringBuilder) ensureCapacity 100000000"); // 200 MB, the heap is capped at 48 MB
        assertEquals("exit status", 3, gateway.awaitExit(Duration.ofSeconds(10)));
        assertTrue(gateway.log(), gateway.log().contains("Terminating due to java.lang.OutOfMemoryError: Java heap space"));
    }

    /**
     * data/ nearly full (a 16 MiB tmpfs, mounted as root only): the JVM would end itself when it
     * cannot finish the class data sharing archive, at every start; the runtime does without it.
     */
    @Test
    public void aNearlyFullDiskGetsNoClassDataArchiveAndTheRuntimeRunsOn() throws Exception {
        gateway.archiveSoon();
        Path data = gateway.home.resolve("data");
        try (Tmpfs small = Tmpfs.mount(data, "size=16m")) {
            gateway.start();
            Await.until("the archive left out, said once", Duration.ofSeconds(30),
                    () -> gateway.log().contains("the class data sharing archive needs to be written safely"));
            GatewayProcess.Result lb = gateway.shell("lb");
            assertEquals("still answering: " + gateway.log(), 0, lb.status());
            try (var files = Files.list(data)) {
                assertTrue("no archive, whole or partial", files.noneMatch(f -> f.getFileName().toString().startsWith("cds-")));
            }
            assertEquals(0, gateway.terminate(Duration.ofSeconds(5)));
        }
    }

    /**
     * A power cut while the framework wrote its cache can leave a bundle's state file empty: the
     * bundle comes back from its jar in bundle/ or deploy/, and the runtime starts whole.
     */
    @Test
    public void bundlesWhoseCacheAPowerCutDamagedComeBackFromTheirJars() throws Exception {
        gateway.start();
        Await.until("every bundle Active", Duration.ofSeconds(5),
                () -> bundleLines(gateway.shell("lb").output()).stream().allMatch(l -> l.contains("|Active")));
        int bundles = bundleLines(gateway.shell("lb").output()).size();
        assertEquals(0, gateway.terminate(Duration.ofSeconds(5)));

        List<String> damaged = new ArrayList<>();
        try (var archives = Files.list(gateway.home.resolve("data/cache"))) {
            for (Path info : (Iterable<Path>) archives.map(a -> a.resolve("bundle.info")).filter(Files::exists)::iterator) {
                String location = new String(Files.readAllBytes(info), StandardCharsets.ISO_8859_1);
                if (location.contains("bundle/org.apache.felix.scr-") || location.contains("deploy/dev.outrigger.bridge-")) {
                    Files.write(info, new byte[0]);
                    damaged.add(info.toString());
                }
            }
        }
        assertEquals(damaged.toString(), 2, damaged.size());

        gateway.start();
        Await.until("every bundle Active again", Duration.ofSeconds(10), () -> {
            List<String> lb = bundleLines(gateway.shell("lb").output());
            return lb.size() == bundles && lb.stream().allMatch(l -> l.contains("|Active"));
        });
        Await.until("healthy: every component up", Duration.ofSeconds(10), () -> gateway.shell("health").status() == 0);
    }

    /**
     * etc/ on a full file system (a 256 KiB tmpfs, mounted as root only: CI runs as root): a change
     * that cannot be written is refused with the reason and applies nothing; once there is room
     * it goes through.
     */
    @Test
    public void aChangeThatCannotBeWrittenToEtcIsRefusedAndAppliesNothing() throws Exception {
        Path etc = gateway.home.resolve("etc");
        Path shipped = folder.newFolder("etc-shipped").toPath();
        try (var files = Files.list(etc)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, shipped.resolve(f.getFileName()));
            }
        }
        try (Tmpfs small = Tmpfs.mount(etc, "size=256k")) {
            try (var files = Files.list(shipped)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.copy(f, etc.resolve(f.getFileName()));
                }
            }
            Path file = Files.writeString(etc.resolve("dev.outrigger.itest.greeter.cfg"), "greeting = ahoy\n");
            gateway.start();
            Jars.place(Distribution.FIXTURE, gateway.home.resolve("deploy/fixture.jar"));
            Await.until("the greeter configured", Duration.ofSeconds(5), () -> gateway.shell("fixture:greet").output().contains("ahoy"));
            String before = Files.readString(file);
            Path filler = etc.resolve("filler");
            try (var out = Files.newOutputStream(filler)) {
                byte[] block = new byte[4096];
                while (true) {
                    out.write(block);
                    out.flush();
                }
            } catch (java.io.IOException full) {
                assertTrue(full.getMessage(), full.getMessage().contains("No space left on device"));
            }

            GatewayProcess.Result refused = gateway.shell("config:set dev.outrigger.itest.greeter greeting=never");
            assertEquals(refused.output(), 1, refused.status());
            assertTrue(refused.output(), refused.output().contains("No space left on device") && refused.output().contains("nothing applied"));
            assertFalse("not applied, not even for a moment", gateway.shell("fixture:greetings").output().contains("never"));
            assertEquals("the file as before", before, Files.readString(file));
            try (var files = Files.list(etc)) {
                assertTrue("no temporary file left", files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")));
            }

            Files.delete(filler);
            GatewayProcess.Result applied = gateway.shell("config:set dev.outrigger.itest.greeter greeting=moin");
            assertEquals(applied.output(), 0, applied.status());
            assertTrue(Files.readString(file), Files.readString(file).contains("moin"));
            Await.until("the greeter given the change", Duration.ofSeconds(5),
                    () -> gateway.shell("fixture:greet").output().trim().equals("moin"));
            assertEquals(0, gateway.terminate(Duration.ofSeconds(5)));
        }
    }

    /**
     * A change from the shell is written to etc/ and applied; FileInstall then reads the file
     * back, and must find nothing new: a component given the same change twice restarts twice
     * (a bridge drops its clients, remote requests miss their replies).
     */
    @Test
    public void aChangeFromTheShellReachesItsComponentOnce() throws Exception {
        gateway.start();
        Jars.place(Distribution.FIXTURE, gateway.home.resolve("deploy/fixture.jar"));
        Await.until("fixture", Duration.ofSeconds(5), () -> gateway.shell("fixture:greet").output().contains("hello"));

        GatewayProcess.Result nothing = gateway.shell("config:set dev.outrigger.itest.greeter");
        assertEquals(nothing.output(), 1, nothing.status());
        assertTrue(nothing.output(), nothing.output().contains("nothing to set: give key=value"));
        // as the files in etc/ write it: three words, and a precise answer instead of a guess
        GatewayProcess.Result spaced = gateway.shell("config:set dev.outrigger.itest.greeter greeting = moin");
        assertEquals(spaced.output(), 1, spaced.status());
        assertEquals("error: expected key=value, got greeting (no spaces around =)", spaced.output().trim());
        // no file yet, and a list value: the two cases FileInstall compares the least well
        GatewayProcess.Result set = gateway.shell("config:set dev.outrigger.itest.greeter greeting=moin audience=crew,guests");
        assertEquals(set.output(), 0, set.status());
        assertTrue("one line, and no empty one after it for a script to read: " + set.output(),
                set.output().matches("dev\\.outrigger\\.itest\\.greeter now at revision \\d+\n"));
        // ConfigAdmin hands a change to its component on a thread of its own, a moment after it stored it
        Await.until("the greeter given the change", Duration.ofSeconds(5),
                () -> gateway.shell("fixture:greet").output().trim().equals("moin, crew and guests"));
        // FileInstall reads the files changed since its last look in one pass: once a file written
        // after the greeter's is applied, the greeter's has been read too
        Files.writeString(gateway.home.resolve("etc/dev.outrigger.itest.marker.cfg"), "written = after\n");
        Await.until("FileInstall has read etc/ again", Duration.ofSeconds(5),
                () -> gateway.shell("config:get dev.outrigger.itest.marker").output().contains("after"));
        assertEquals("hello moin", gateway.shell("fixture:greetings").output().trim());
        // FileInstall found the file as ConfigAdmin has it: the revision the change reported is still the one
        String revision = set.output().trim().replaceAll(".* now at revision ", "");
        assertTrue(gateway.shell("config:get dev.outrigger.itest.greeter").output()
                .startsWith("dev.outrigger.itest.greeter (revision " + revision + ")"));
        assertEquals("written as a person writes it", List.of("greeting = moin", "audience = crew,guests"),
                Files.readAllLines(gateway.home.resolve("etc/dev.outrigger.itest.greeter.cfg")).stream().sorted(Comparator.reverseOrder()).toList());

        // what FileInstall would take for a variable or an escape, and text beyond ASCII: read back as set
        String odd = "moin ${user.home} C:\\radios\\ {x} \ud83d\udce1";
        GatewayProcess.Result oddSet = gateway.shell("config:set dev.outrigger.itest.greeter greeting='" + odd + "'");
        assertEquals(oddSet.output(), 0, oddSet.status());
        Files.writeString(gateway.home.resolve("etc/dev.outrigger.itest.marker.cfg"), "written = again\n");
        Await.until("FileInstall has read etc/ again", Duration.ofSeconds(5),
                () -> gateway.shell("config:get dev.outrigger.itest.marker").output().contains("again"));
        Await.until("the greeter given the odd greeting", Duration.ofSeconds(5),
                () -> gateway.shell("fixture:greet").output().trim().equals(odd + ", crew and guests"));
        String oddRevision = oddSet.output().trim().replaceAll(".* now at revision ", "");
        assertTrue(gateway.shell("config:get dev.outrigger.itest.greeter").output()
                .startsWith("dev.outrigger.itest.greeter (revision " + oddRevision + ")"));
    }

    @Test
    public void theClassDataArchiveIsWrittenWhileRunningSoThatAPowerCutKeepsIt() throws Exception {
        gateway.archiveSoon();
        gateway.start();
        Path data = gateway.home.resolve("data");
        Await.until("an archive written by the running runtime, and its size recorded", Duration.ofSeconds(40), () -> {
            // shell commands meanwhile, as an operator's: each has the shell put back the stream it found at its start
            gateway.shell("lb");
            // a kill between the archive's move and its size's record has the next start write it anew
            return archives(data).stream().anyMatch(a -> Files.exists(a.resolveSibling(a.getFileName() + ".bytes")));
        });
        assertFalse("the JDK's notice of the dump kept out of the log", gateway.log().contains("Dynamic dump"));
        gateway.kill(); // no clean stop, as a power cut

        gateway.start();
        String archive = "-XX:SharedArchiveFile=" + data.toRealPath() + "/cds-";
        assertTrue(gateway.commandLine().toString(), gateway.commandLine().stream().anyMatch(a -> a.startsWith(archive)));
        assertEquals(0, gateway.terminate(Duration.ofSeconds(5)));

        // cut short afterwards (an SD card that lost the end of a write): the JVM would crash mapping it, at every start
        Path written = archives(data).get(0);
        long size = Files.size(written);
        try (FileChannel file = FileChannel.open(written, StandardOpenOption.WRITE)) {
            file.truncate(size * 4 / 5);
        }
        gateway.start();
        assertTrue(gateway.log(), gateway.log().contains("outrigger: the class data sharing archive " + data.toRealPath().resolve(written.getFileName())
                + " is not as it was written (" + size * 4 / 5 + " bytes, " + size + " recorded): removed, written anew"));
        assertTrue("not mapped", gateway.commandLine().stream().noneMatch(a -> a.startsWith(archive)));
        Await.until("written anew, whole", Duration.ofSeconds(40), () -> Files.isRegularFile(written)
                && Files.readString(written.resolveSibling(written.getFileName() + ".bytes")).equals(Long.toString(Files.size(written))));
        assertEquals(0, gateway.terminate(Duration.ofSeconds(5)));

        // damaged within (a few bytes of the card gone bad): the JVM crashed mapping it, at every start;
        // found by its checksum now, the runtime starts without it
        byte[] garbage = new byte[4096];
        new Random(7).nextBytes(garbage);
        try (FileChannel file = FileChannel.open(written, StandardOpenOption.WRITE)) {
            file.write(ByteBuffer.wrap(garbage), 100 * 4096);
        }
        gateway.start();
        assertEquals(0, gateway.terminate(Duration.ofSeconds(5)));

        // a new distribution (here: the launcher's jar touched): the JVM would ignore the old archive
        List<Path> old = archives(data);
        try (var jars = Files.newDirectoryStream(gateway.home.resolve("lib"), "dev.outrigger.launcher-*.jar")) {
            for (Path jar : jars) {
                Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
            }
        }
        gateway.start();
        assertTrue("no archive named for this class path yet", gateway.commandLine().stream().noneMatch(a -> a.startsWith(archive)));
        Await.until("a new archive in place of the old", Duration.ofSeconds(40),
                () -> archives(data).size() == 1 && !archives(data).equals(old));
    }

    /** Dumping the archive at the stop took 2 to 4 s on a busy host: a stop within 5 s leaves it to the next run. */
    @Test
    public void aStopBeforeTheArchiveIsWrittenDoesNotWaitForIt() throws Exception {
        gateway.environment.remove("OUTRIGGER_CDS"); // as shipped: written 10 s after the start
        gateway.start();
        assertEquals(0, gateway.terminate(Duration.ofSeconds(5)));
        assertEquals("no archive dumped at the stop", List.of(), archives(gateway.home.resolve("data")));
    }

    private static List<Path> archives(Path data) throws IOException {
        try (var files = Files.list(data)) {
            return files.filter(f -> f.getFileName().toString().matches("cds-\\w+\\.jsa")).toList();
        }
    }

    @Test
    public void aShellPortTakenAtStartIsListenedOnOnceItIsFree() throws Exception {
        int port;
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = taken.getLocalPort();
            Files.writeString(gateway.home.resolve("etc/dev.outrigger.shell.cfg"), "enabled = true\nport = " + port + "\n");
            gateway.launch();
            String failure = "Shell port cannot listen on 127.0.0.1:" + port + " (Address already in use); retrying";
            Await.until("one log line about the port", Duration.ofSeconds(20), () -> gateway.log().contains(failure));
            assertEquals("outrigger-shell cannot reach it meanwhile", 2, gateway.shell("lb").status());
        }
        Await.until("the shell answering once the port is free", Duration.ofSeconds(10), () -> gateway.shell("lb").status() == 0);
        assertEquals(gateway.log(), 1, lines(gateway.log(), "Shell port cannot listen").size());
        assertTrue(gateway.log().contains("Shell port listening on 127.0.0.1:" + port));
    }

    @Test
    public void deployFolderInstallsUpdatesAndUninstallsLive() throws Exception {
        gateway.start();
        Path deployed = gateway.home.resolve("deploy/fixture.jar");

        Jars.place(Distribution.FIXTURE, deployed);
        long installed = Await.until("fixture:greet from deploy/", Duration.ofSeconds(5),
                () -> gateway.shell("fixture:greet").output().contains("hello"));
        System.out.printf(Locale.ROOT, "deploy/: bundle active and its command answering %d ms after the jar appeared%n", installed);

        Jars.withHeaders(Distribution.FIXTURE, deployed, Map.of("Bundle-Version", "0.1.0.second"));
        Await.until("the updated bundle, answering", Duration.ofSeconds(5), () -> gateway.shell("lb").output().contains("0.1.0.second")
                && gateway.shell("fixture:greet").output().contains("hello"));
        assertEquals("updated in place, not installed twice", 1,
                bundleLines(gateway.shell("lb").output()).stream().filter(l -> l.contains("test fixture")).count());

        Files.delete(deployed);
        Await.until("the bundle gone", Duration.ofSeconds(5), () -> !gateway.shell("lb").output().contains("test fixture"));
        assertEquals(1, gateway.shell("fixture:greet").status());
    }

    @Test
    public void brokenJarsGetOneClearLogLineAndEverythingElseKeepsRunning() throws Exception {
        gateway.start();
        Files.writeString(folder.newFile("broken.jar").toPath(), "this is not a zip file");
        Jars.place(folder.getRoot().toPath().resolve("broken.jar"), gateway.home.resolve("deploy/broken.jar"));
        Jars.withHeaders(Distribution.FIXTURE, gateway.home.resolve("deploy/unresolvable.jar"), Map.of(
                "Bundle-SymbolicName", "dev.outrigger.itest.unresolvable", "Bundle-Name", "Unresolvable fixture",
                "Import-Package", "com.example.missing;version=\"[1.0,2)\",java.util.function"));

        Await.until("a log line for broken.jar", Duration.ofSeconds(5),
                () -> gateway.log().contains("broken.jar is not an OSGi bundle"));
        Await.until("a log line for unresolvable.jar", Duration.ofSeconds(5),
                () -> lines(gateway.log(), "unresolvable.jar").stream().anyMatch(l -> l.contains("com.example.missing")));
        assertEquals("one line for broken.jar: " + gateway.log(), 1, lines(gateway.log(), "broken.jar").size());
        assertEquals("one line for unresolvable.jar: " + gateway.log(), 1, lines(gateway.log(), "unresolvable.jar").size());

        // a copy that stalls halfway (a slow link): reported as broken, then installed once complete
        byte[] fixture = Files.readAllBytes(Distribution.FIXTURE);
        Path slow = gateway.home.resolve("deploy/fixture.jar");
        Files.write(slow, Arrays.copyOf(fixture, fixture.length / 2));
        Await.until("a log line for the half copy", Duration.ofSeconds(5),
                () -> gateway.log().contains("fixture.jar is not an OSGi bundle"));
        Files.write(slow, Arrays.copyOfRange(fixture, fixture.length / 2, fixture.length), StandardOpenOption.APPEND);
        Await.until("a good bundle next to the bad ones", Duration.ofSeconds(5),
                () -> gateway.shell("fixture:greet").output().contains("hello"));
        // the same stall while overwriting it: the bundle goes, said in a line, and comes back complete
        Files.write(slow, Arrays.copyOf(fixture, fixture.length / 2));
        Await.until("a log line for the bundle whose jar broke", Duration.ofSeconds(5),
                () -> gateway.log().contains("was uninstalled: its jar " + slow + " is not a bundle now"));
        Files.write(slow, Arrays.copyOfRange(fixture, fixture.length / 2, fixture.length), StandardOpenOption.APPEND);
        Await.until("the bundle back", Duration.ofSeconds(5),
                () -> gateway.shell("fixture:greet").output().contains("hello"));
        bundleLines(gateway.shell("lb").output()).stream().filter(l -> !l.contains("Unresolvable"))
                .forEach(line -> assertTrue(line, line.contains("|Active")));

        // the health a readiness probe asks: failing while a bundle does not resolve, and saying which
        GatewayProcess.Result unhealthy = gateway.shell("health");
        assertEquals(unhealthy.output(), 1, unhealthy.status());
        assertTrue(unhealthy.output(), unhealthy.output().contains("bundle dev.outrigger.itest.unresolvable is installed (it does not "
                + "resolve: nothing installed provides osgi.wiring.package (&(osgi.wiring.package=com.example.missing)"));

        // a replacement that fails as well (the fix that was none), of which FileInstall says nothing
        Jars.withHeaders(Distribution.FIXTURE, gateway.home.resolve("deploy/unresolvable.jar"), Map.of(
                "Bundle-SymbolicName", "dev.outrigger.itest.unresolvable", "Bundle-Version", "0.1.1",
                "Import-Package", "com.example.other"));
        Await.until("a log line for the replacement", Duration.ofSeconds(5),
                () -> lines(gateway.log(), "unresolvable.jar").stream().anyMatch(l -> l.contains("does not start: it does not "
                        + "resolve: nothing installed provides osgi.wiring.package (osgi.wiring.package=com.example.other)")));
        Jars.withHeaders(Distribution.FIXTURE, gateway.home.resolve("deploy/unresolvable.jar"), Map.of(
                "Bundle-SymbolicName", "dev.outrigger.itest.unresolvable", "Bundle-Version", "0.1.2",
                "Bundle-Activator", "com.example.AbsentActivator"));
        Await.until("a log line for the next one", Duration.ofSeconds(5),
                () -> lines(gateway.log(), "unresolvable.jar").stream().anyMatch(l -> l.contains("com.example.AbsentActivator")));
        Await.until("the rest still up", Duration.ofSeconds(5), () -> gateway.shell("fixture:greet").output().contains("hello"));
        assertEquals("one line: " + gateway.log(), 1, lines(gateway.log(), "com.example.other").size());
        assertEquals("one line: " + gateway.log(), 1, lines(gateway.log(), "com.example.AbsentActivator").size());
        Files.delete(gateway.home.resolve("deploy/unresolvable.jar"));
        Await.until("healthy once it is gone", Duration.ofSeconds(5), () -> gateway.shell("health").status() == 0);
        assertTrue(gateway.shell("health").output().startsWith("healthy: "));
    }

    /**
     * A jar that does not resolve, already in deploy/ at the first start (copied onto the SD card
     * with the rest): one line says why it stays stopped, as for one dropped in while running,
     * though FileInstall's own attempt then says nothing. At later starts the framework tries it
     * first, then FileInstall: still one line, naming the file; so for one whose activator fails,
     * and for bundles installed from the shell, which only the framework tries.
     */
    @Test
    public void aBundleThatDoesNotStartGetsOneClearLogLineAtEveryStart() throws Exception {
        Jars.withHeaders(Distribution.FIXTURE, gateway.home.resolve("deploy/unresolvable.jar"), Map.of(
                "Bundle-SymbolicName", "dev.outrigger.itest.unresolvable", "Import-Package", "com.example.missing"));
        Jars.withHeaders(Distribution.FIXTURE, gateway.home.resolve("deploy/no-activator.jar"), Map.of(
                "Bundle-SymbolicName", "dev.outrigger.itest.noactivator", "Bundle-Activator", "com.example.MissingActivator"));
        Path fromShell = Jars.withHeaders(Distribution.FIXTURE, folder.getRoot().toPath().resolve("from-shell.jar"), Map.of(
                "Bundle-SymbolicName", "dev.outrigger.itest.fromshell", "Import-Package", "com.example.absent"));
        Path failingFromShell = Jars.withHeaders(Distribution.FIXTURE, folder.getRoot().toPath().resolve("failing-from-shell.jar"),
                Map.of("Bundle-SymbolicName", "dev.outrigger.itest.failingfromshell", "Bundle-Activator", "com.example.AbsentActivator"));
        gateway.start();
        Await.until("a log line for each jar of deploy/", Duration.ofSeconds(10),
                () -> lines(gateway.log(), "unresolvable.jar").stream().anyMatch(l -> l.contains("does not start: it does not "
                        + "resolve: nothing installed provides osgi.wiring.package (osgi.wiring.package=com.example.missing)"))
                        && lines(gateway.log(), "no-activator.jar").stream().anyMatch(l -> l.contains("com.example.MissingActivator")));
        Await.until("the rest of deploy/ up", Duration.ofSeconds(10), () -> gateway.shell("bridge:list").status() == 0);
        assertEquals("one line: " + gateway.log(), 1, lines(gateway.log(), "com.example.missing").size());
        assertEquals("one line: " + gateway.log(), 1, lines(gateway.log(), "com.example.MissingActivator").size());
        assertEquals(1, gateway.shell("install -s " + fromShell).status());
        assertEquals(1, gateway.shell("install -s " + failingFromShell).status());
        assertEquals(0, gateway.terminate(Duration.ofSeconds(5)));

        int firstRun = gateway.log().length();
        gateway.start();
        Await.until("a line for each at the next start", Duration.ofSeconds(10), () -> {
            String later = gateway.log().substring(firstRun);
            return lines(later, "deploy/unresolvable.jar").stream().anyMatch(l -> l.contains("com.example.missing"))
                    && lines(later, "deploy/no-activator.jar").stream().anyMatch(l -> l.contains("com.example.MissingActivator"))
                    && lines(later, "from-shell.jar").stream().anyMatch(l -> l.contains("does not start: it does not resolve: "
                            + "nothing installed provides osgi.wiring.package (osgi.wiring.package=com.example.absent)"))
                    && lines(later, "failing-from-shell.jar").stream().anyMatch(l -> l.contains("com.example.AbsentActivator"));
        });
        Await.until("the rest of deploy/ up", Duration.ofSeconds(10), () -> gateway.shell("bridge:list").status() == 0);
        String later = gateway.log().substring(firstRun);
        for (String reason : List.of("com.example.missing", "com.example.MissingActivator", "com.example.absent",
                "com.example.AbsentActivator")) {
            assertEquals("one line naming " + reason + ": " + later, 1, lines(later, reason).size());
        }
        assertEquals(0, gateway.terminate(Duration.ofSeconds(5)));
    }

    /**
     * An upgrade with the version in the jar's name: the new version waits beside the old one (both
     * running would fight over the same ports and devices), `health` says why, and it takes over
     * once the old jar is removed.
     */
    @Test
    public void aNewerVersionBesideTheOldOneWaitsUntilTheOldJarIsRemoved() throws Exception {
        gateway.start();
        Path old = Jars.place(Distribution.FIXTURE, gateway.home.resolve("deploy/fixture-0.1.0.jar"));
        Await.until("the greeter", Duration.ofSeconds(5), () -> gateway.shell("fixture:greet").status() == 0);
        Jars.place(Jars.withHeaders(Distribution.FIXTURE, folder.getRoot().toPath().resolve("fixture-0.2.0.jar"),
                Map.of("Bundle-Version", "0.2.0")), gateway.home.resolve("deploy/fixture-0.2.0.jar"));
        Await.until("health naming both versions", Duration.ofSeconds(5), () -> gateway.shell("health").output().contains(
                "bundle dev.outrigger.itest.fixture is installed (it does not resolve: version 0.1.0.SNAPSHOT of it runs, from "
                        + old.toUri().toString().replace("file:///", "file:/") + ", and one version at a time may: remove the jar of "
                        + "0.2.0 or of 0.1.0.SNAPSHOT)"));
        assertEquals("the old one keeps running meanwhile", 0, gateway.shell("fixture:greet").status());

        Files.delete(old);
        Await.until("the new version running alone", Duration.ofSeconds(5), () -> {
            List<String> fixtures = bundleLines(gateway.shell("lb").output()).stream().filter(l -> l.contains("test fixture")).toList();
            return fixtures.size() == 1 && fixtures.get(0).contains("|Active") && fixtures.get(0).contains("0.2.0");
        });
        Await.until("healthy", Duration.ofSeconds(5), () -> gateway.shell("health").status() == 0);
        Await.until("the greeter answering", Duration.ofSeconds(5), () -> gateway.shell("fixture:greet").status() == 0);
    }

    /**
     * The api bundle replaced from the shell, then one of its users: without a refresh the two halves
     * would see different versions of the same packages, and the services of one would be invisible
     * to the other (remote configuration would lose its settings service). Its users are refreshed.
     */
    @Test
    public void anApiUpdateFromTheShellRefreshesItsUsers() throws Exception {
        gateway.start();
        assertEquals(0, gateway.shell("feature:install mqtt").status());
        Await.until("healthy with the mqtt feature", Duration.ofSeconds(10), () -> gateway.shell("health").status() == 0);

        assertEquals(0, gateway.shell("update " + gateway.bundleId("dev.outrigger.api")).status());
        assertEquals(0, gateway.shell("update " + gateway.bundleId("dev.outrigger.config")).status());
        Await.until("its users refreshed", Duration.ofSeconds(10),
                () -> gateway.log().contains("[dev.outrigger.api 0.1.0.SNAPSHOT] replaced while"));
        Await.until("healthy again, every bundle on the new revision", Duration.ofSeconds(15),
                () -> gateway.shell("health").status() == 0);
    }

    /**
     * {@code refresh} as typed after an {@code update}: with nothing given it refreshes what is
     * pending (Gogo's own fails with a NullPointerException), and it answers once the framework is
     * done, naming what restarted.
     */
    @Test
    public void refreshFromTheShellSaysWhatItRestarted() throws Exception {
        gateway.start();
        GatewayProcess.Result nothing = gateway.shell("refresh");
        assertEquals(nothing.output(), 0, nothing.status());
        assertEquals("nothing to refresh: no bundle updated or uninstalled is still in use by others", nothing.output().trim());

        GatewayProcess.Result api = gateway.shell("refresh dev.outrigger.api");
        assertEquals(api.output(), 0, api.status());
        assertTrue("its users restart with it: " + api.output(), api.output().startsWith("refreshed: ")
                && api.output().contains(gateway.bundleId("dev.outrigger.api") + " dev.outrigger.api")
                && api.output().contains(gateway.bundleId("dev.outrigger.config") + " dev.outrigger.config"));
        Await.until("healthy after the refresh", Duration.ofSeconds(10), () -> gateway.shell("health").status() == 0);

        GatewayProcess.Result unknown = gateway.shell("refresh 424242");
        assertEquals(1, unknown.status());
        assertEquals("error: no bundle 424242 (lb lists them)", unknown.output().trim());
    }

    /**
     * {@code update} from the shell says what it changed, brings the bundle back started, and fails
     * (Gogo's own only prints, and exits 0) when the jar cannot be read or the new version cannot start.
     */
    @Test
    public void updateFromTheShellSaysWhatChangedAndFailsWhenItCannot() throws Exception {
        gateway.start();
        Path folder = this.folder.getRoot().toPath();
        Path first = Jars.withHeaders(Distribution.FIXTURE, folder.resolve("greeter-1.jar"), Map.of("Bundle-Version", "1.0.0"));
        assertEquals(0, gateway.shell("install -s " + first).status());
        String id = gateway.bundleId("dev.outrigger.itest.fixture");

        Path second = Jars.withHeaders(Distribution.FIXTURE, folder.resolve("greeter-2.jar"), Map.of("Bundle-Version", "2.0.0"));
        GatewayProcess.Result updated = gateway.shell("update dev.outrigger.itest.fixture " + second);
        assertEquals(updated.output(), 0, updated.status());
        assertEquals("dev.outrigger.itest.fixture 1.0.0 updated to 2.0.0 (bundle " + id + ", active)", updated.output().trim());
        Await.until("the greeter answering", Duration.ofSeconds(5), () -> gateway.shell("fixture:greet").output().contains("hello"));
        assertTrue("help describes the update that runs, not Felix's: " + gateway.shell("help update").output(),
                gateway.shell("help update").output().contains("scope: outrigger"));
        assertEquals("what help is given goes into a command line only if it is a name",
                "error: no command is named lb; felix:lb", gateway.shell("help 'lb; felix:lb'").output().trim());

        GatewayProcess.Result unreadable = gateway.shell("update " + id + " /no/such/greeter.jar");
        assertEquals(unreadable.output(), 1, unreadable.status());
        assertEquals("error: cannot update dev.outrigger.itest.fixture 2.0.0 from /no/such/greeter.jar: no such file",
                unreadable.output().trim());

        Path broken = Jars.withHeaders(Distribution.FIXTURE, folder.resolve("greeter-3.jar"), Map.of("Bundle-Version", "3.0.0",
                "Import-Package", "com.example.missing"));
        GatewayProcess.Result unresolvable = gateway.shell("update " + id + " " + broken.toUri());
        assertEquals(unresolvable.output(), 1, unresolvable.status());
        assertTrue(unresolvable.output(), unresolvable.output().startsWith("error: cannot update dev.outrigger.itest.fixture 2.0.0: ")
                && unresolvable.output().contains("com.example.missing"));

        GatewayProcess.Result back = gateway.shell("update " + id + " " + second);
        assertEquals(back.output(), 0, back.status());
        assertEquals("started again, as it was before the failed update",
                "dev.outrigger.itest.fixture 3.0.0 updated to 2.0.0 (bundle " + id + ", active)", back.output().trim());
    }

    @Test
    public void bundlesInstalledFromTheShellSurviveARestart() throws Exception {
        gateway.start();
        Path jar = Jars.withHeaders(Distribution.FIXTURE, folder.getRoot().toPath().resolve("shell-installed.jar"),
                Map.of("Bundle-SymbolicName", "dev.outrigger.itest.shellinstalled"));

        GatewayProcess.Result install = gateway.shell("install -s " + jar);
        assertEquals("a path will do as well as a URL: " + install.output(), 0, install.status());
        assertTrue(install.output().contains("Bundle ID"));
        GatewayProcess.Result missing = gateway.shell("install -s file:/no/such/bundle.jar");
        assertEquals("a failed install fails the shell command: " + missing.output(), 1, missing.status());
        assertTrue(missing.output().contains("/no/such/bundle.jar"));
        assertEquals("error: cannot install /no/such/bundle.jar: no such file",
                gateway.shell("install /no/such/bundle.jar").output().trim());
        assertEquals("the runtime's working directory is not the caller's",
                "error: cannot install bundle.jar: a relative path; give an absolute path or a URL",
                gateway.shell("install bundle.jar").output().trim());

        assertEquals(0, gateway.terminate(Duration.ofSeconds(5)));
        gateway.start();
        Await.until("the shell-installed bundle active after restart", Duration.ofSeconds(5),
                () -> bundleLines(gateway.shell("lb").output()).stream()
                        .anyMatch(l -> l.contains("test fixture") && l.contains("|Active")));
        Await.until("the greeter answering", Duration.ofSeconds(5), () -> gateway.shell("fixture:greet").output().contains("hello"));
    }

    /**
     * A bundle installed from the shell has no jar in the distribution to come back from: a copy
     * kept in data/ puts it back, started and at its start level, when a power cut damaged its entry
     * in the framework cache, even after the jar it came from was deleted. An uninstalled one stays away.
     */
    @Test
    public void aShellInstalledBundleWhoseCacheEntryWasDamagedComesBackFromItsKeptCopy() throws Exception {
        gateway.start();
        Path jar = Jars.withHeaders(Distribution.FIXTURE, folder.getRoot().toPath().resolve("shell-installed.jar"),
                Map.of("Bundle-SymbolicName", "dev.outrigger.itest.shellinstalled"));
        String location = jar.toUri().toString();
        assertEquals(0, gateway.shell("install -s " + location).status());
        Await.until("the copy kept", Duration.ofSeconds(5),
                () -> Files.readString(gateway.home.resolve("data/kept-bundles/index.properties")).contains("true"));
        // a start level set from the shell fires no bundle event: kept when the gateway stops
        assertEquals(0, gateway.shell("bundlelevel -s 70 " + gateway.bundleId("dev.outrigger.itest.shellinstalled")).status());
        assertEquals(0, gateway.terminate(Duration.ofSeconds(5)));
        Files.delete(jar);
        damageCacheEntryOf(location);

        gateway.start();
        Await.until("the shell-installed bundle back and active", Duration.ofSeconds(5),
                () -> bundleLines(gateway.shell("lb").output()).stream()
                        .anyMatch(l -> l.contains("test fixture") && l.contains("|Active") && l.contains("|   70|")));
        Await.until("the greeter answering", Duration.ofSeconds(5), () -> gateway.shell("fixture:greet").output().contains("hello"));
        assertTrue(gateway.log(), gateway.log().contains("dev.outrigger.itest.shellinstalled 0.1.0.SNAPSHOT (" + location
                + ") was gone from the framework cache"));

        GatewayProcess.Result uninstall = gateway.shell("uninstall " + gateway.bundleId("dev.outrigger.itest.shellinstalled"));
        assertEquals(uninstall.output(), 0, uninstall.status());
        Await.until("the copy dropped", Duration.ofSeconds(5), () -> {
            try (var kept = Files.list(gateway.home.resolve("data/kept-bundles"))) {
                return kept.noneMatch(f -> f.toString().endsWith(".jar"));
            }
        });
        assertEquals(0, gateway.terminate(Duration.ofSeconds(5)));
        gateway.start();
        assertTrue(bundleLines(gateway.shell("lb").output()).stream().noneMatch(l -> l.contains("test fixture")));
    }

    /** Empties the bundle.info of the bundle installed from the location, as a power cut mid-write can. */
    private void damageCacheEntryOf(String location) throws IOException {
        try (var archives = Files.list(gateway.home.resolve("data/cache"))) {
            for (Path info : (Iterable<Path>) archives.map(a -> a.resolve("bundle.info")).filter(Files::exists)::iterator) {
                if (new String(Files.readAllBytes(info), StandardCharsets.ISO_8859_1).contains(location)) {
                    Files.write(info, new byte[0]);
                    return;
                }
            }
        }
        throw new AssertionError("no cache entry for " + location);
    }

    /** A new version of a bundle may accept less than the old: its configurations are checked against it. */
    @Test
    public void aConfigurationANewVersionOfItsBundleRejectsIsReported() throws Exception {
        gateway.start();
        Files.writeString(gateway.home.resolve("etc/dev.outrigger.itest.greeter.cfg"), "greeting = ahoy\nrepeat = 2\n");
        Path deployed = Jars.place(Distribution.FIXTURE, gateway.home.resolve("deploy/fixture.jar"));
        Await.until("the greeter as configured", Duration.ofSeconds(5),
                () -> gateway.shell("fixture:greet").output().trim().equals("ahoy ahoy"));
        Await.until("healthy", Duration.ofSeconds(5), () -> gateway.shell("health").status() == 0);

        String schema = "OSGI-INF/metatype/dev.outrigger.itest.fixture.Greeter$Config.xml";
        String xml = new String(Jars.entry(Distribution.FIXTURE, schema), StandardCharsets.UTF_8);
        Jars.variant(Distribution.FIXTURE, deployed, Map.of(), Map.of(schema,
                xml.replace("min=\"1\" default=\"1\"", "min=\"3\" default=\"3\"")));

        String rejected = "dev.outrigger.itest.greeter.cfg: repeat: 2 rejected (less than minimum), expected an integer, at least 3; "
                + "the default applies until this is fixed";
        Await.until("the file's value found rejected by the new version", Duration.ofSeconds(10), () -> gateway.log().contains(rejected));
        Await.until("the greeter on its default for it", Duration.ofSeconds(5),
                () -> gateway.shell("fixture:greet").output().trim().equals("ahoy"));
        GatewayProcess.Result health = gateway.shell("health");
        assertEquals(health.output(), 1, health.status());
        assertTrue(health.output(), health.output().contains(rejected));
        assertEquals("said once", 1, lines(gateway.log(), "repeat: 2 rejected").size());
    }

    @Test
    public void configurationFilesReachTheirComponentLiveAndBadValuesAreReported() throws Exception {
        gateway.start();
        Jars.place(Distribution.FIXTURE, gateway.home.resolve("deploy/fixture.jar"));
        Await.until("fixture", Duration.ofSeconds(5), () -> gateway.shell("fixture:greet").output().contains("hello"));

        Path cfg = gateway.home.resolve("etc/dev.outrigger.itest.greeter.cfg");
        Files.writeString(cfg, "greeting = ahoy\nrepeat = 2\n");
        Await.until("greeting from etc/", Duration.ofSeconds(5),
                () -> gateway.shell("fixture:greet").output().contains("ahoy ahoy"));

        // garbage in the file (a corrupt SD card): its unknown keys in one line, printable; the rest applied
        Files.write(cfg, "greeting = ahoy\nrepeat = 3\n\u001b[2Jgarbage\u0007 = x\nanother\u00ff = y\n".getBytes(StandardCharsets.ISO_8859_1));
        Await.until("greeting from the damaged file", Duration.ofSeconds(5),
                () -> gateway.shell("fixture:greet").output().contains("ahoy ahoy ahoy"));
        Await.until("a log line for the unknown keys", Duration.ofSeconds(5), () -> gateway.log().contains("unknown properties"));
        assertEquals(gateway.log(), List.of("2 unknown properties, ignored: ?[2Jgarbage?, another? (known: "),
                lines(gateway.log(), "unknown propert").stream().map(l -> l.replaceAll(".*cfg: ", "").replaceAll("\\(known: .*", "(known: ")).toList());
        assertFalse("no control character reaches the log", gateway.log().contains("\u001b"));

        Files.writeString(cfg, "greeting = ahoy\nrepeat = many\n");
        Await.until("a log line for repeat: many", Duration.ofSeconds(5),
                () -> lines(gateway.log(), "repeat: many").size() == 1);
        String line = lines(gateway.log(), "repeat: many").get(0);
        assertTrue(line, line.contains("dev.outrigger.itest.greeter.cfg") && line.contains("integer"));
        Await.until("the component on its default for the bad value", Duration.ofSeconds(5),
                () -> gateway.shell("fixture:greet").output().trim().equals("ahoy"));
        assertEquals("the shell port, configured by another file, is untouched", 0, gateway.shell("lb").status());

        // a required value missing or bad: said in one line, nothing started (not a bridge on a random port)
        Path bridge = gateway.home.resolve("etc/dev.outrigger.bridge-printer.cfg");
        Files.writeString(bridge, "device = ttyUSB7\nport = 70000\n");
        Await.until("a log line for port: 70000", Duration.ofSeconds(5), () -> gateway.log().contains(
                "dev.outrigger.bridge-printer.cfg: port: 70000 rejected (greater than maximum), expected an integer from 1 to 65535; "
                        + "nothing is started for this configuration until this is fixed"));
        Files.writeString(bridge, "port = 7070\n");
        Await.until("a log line for the missing device", Duration.ofSeconds(5), () -> gateway.log().contains(
                "dev.outrigger.bridge-printer.cfg: device: required, not set"));
        // what does not fit is also the runtime's health: the readiness probe, the Node's condition, the MQTT status say it
        GatewayProcess.Result health = gateway.shell("health");
        assertEquals(health.output(), 1, health.status());
        assertEquals("the greeter's bad value and the bridge's missing one, not the unknown keys", List.of(
                "dev.outrigger.bridge-printer.cfg: device: required, not set (expected a string); nothing is started for "
                        + "this configuration until it is set",
                "dev.outrigger.itest.greeter.cfg: repeat: many rejected (invalid value), expected an integer, at least 1; "
                        + "the default applies until this is fixed"),
                health.output().lines().map(l -> l.replaceAll("^(error: )?file:.*/etc/", "")).toList());
        Files.writeString(bridge, "device = ttyUSB7\nport = " + Ports.free() + "\n");
        Await.until("the bridge once complete", Duration.ofSeconds(5), () -> gateway.log().contains("Bridge ttyUSB7 listening"));
        Await.until("the fix said", Duration.ofSeconds(5),
                () -> gateway.log().contains("dev.outrigger.bridge-printer.cfg: fixed, every value fits its schema"));
        Await.until("the bridge's problem gone from the health with its fix", Duration.ofSeconds(5),
                () -> !gateway.shell("health").output().contains("bridge-printer"));
        assertEquals("listening once only, on its port: " + gateway.log(), 1, lines(gateway.log(), "Bridge ttyUSB7 listening").size());
        assertFalse(gateway.log(), gateway.log().contains("Exception"));

        // what the owners know beyond the schema refuses a change from the shell (and remotely) before it is applied
        GatewayProcess.Result allow = gateway.shell("config:set dev.outrigger.bridge~printer allow=10.0.0.0/33");
        assertEquals(allow.output(), 1, allow.status());
        assertTrue(allow.output(), allow.output().contains("allow: 10.0.0.0/33 has no prefix length from 0 to 32"));
        GatewayProcess.Result autoAllow = gateway.shell("config:set dev.outrigger.bridge.auto allow=192.168.1.0/33");
        assertEquals(autoAllow.output(), 1, autoAllow.status());
        assertTrue(autoAllow.output(), autoAllow.output().contains("allow: 192.168.1.0/33 has no prefix length from 0 to 32"));
        GatewayProcess.Result profile = gateway.shell("config:set dev.outrigger.discovery.profile~printer product=HL+++ role=bridge");
        assertEquals(profile.output(), 1, profile.status());
        assertTrue(profile.output(), profile.output().contains("product: HL+++ is not a regular expression"));
        assertFalse(Files.exists(gateway.home.resolve("etc/dev.outrigger.discovery.profile-printer.cfg")));
        // in a file nothing refuses it before it is applied: the owner leaves it unused, and the health names it till it is fixed
        int port = Ports.free();
        Files.writeString(bridge, "device = ttyUSB7\nport = " + port + "\nallow = 10.0.0.0/33\n");
        Await.until("the refused allow list in the health", Duration.ofSeconds(5), () -> gateway.shell("health").output().lines()
                .anyMatch(l -> l.matches("(error: )?file:.*/etc/dev.outrigger.bridge-printer.cfg: allow: 10.0.0.0/33 has no prefix "
                        + "length from 0 to 32")));
        Files.writeString(bridge, "device = ttyUSB7\nport = " + port + "\n");
        Await.until("gone with its fix", Duration.ofSeconds(5), () -> !gateway.shell("health").output().contains("bridge-printer"));
        Await.until("listening again", Duration.ofSeconds(5), () -> gateway.log().contains("Bridge ttyUSB7 listening on 127.0.0.1:" + port));
        // its file deleted: the port it frees said in the log, as its opening was
        Files.delete(bridge);
        Await.until("the port said closed", Duration.ofSeconds(5),
                () -> gateway.log().contains("Bridge ttyUSB7 stopped listening on 127.0.0.1:" + port));

        // the bad value still in the file at the next start: reported again, once
        assertEquals(0, gateway.terminate(Duration.ofSeconds(5)));
        gateway.start();
        Await.until("a log line for repeat: many at start", Duration.ofSeconds(10),
                () -> lines(gateway.log(), "repeat: many").size() == 2);
        Await.until("the component on its default again", Duration.ofSeconds(5),
                () -> gateway.shell("fixture:greet").output().trim().equals("ahoy"));
        assertEquals(gateway.log(), 2, lines(gateway.log(), "repeat: many").size());

        // spaces after a value, as an editor leaves them: not part of it (the component would fail on "2 ")
        Files.writeString(cfg, "greeting = padded \nrepeat = 2 \n");
        Await.until("the values without their spaces", Duration.ofSeconds(5),
                () -> gateway.shell("fixture:greet").output().trim().equals("padded padded"));
        Await.until("healthy again, the greeter's file fixed too", Duration.ofSeconds(5), () -> gateway.shell("health").status() == 0);

        // saved as "UTF-8 with BOM": the mark is not taken for part of the first key, and leaves the file;
        // the text after it is read as the editor saved it, UTF-8
        Files.write(cfg, "\ufeffgreeting = b\u00f8m \ud83d\udce1\nrepeat = 1\n".getBytes(StandardCharsets.UTF_8));
        Await.until("the greeting of a file with a byte order mark", Duration.ofSeconds(5),
                () -> gateway.shell("fixture:greet").output().trim().equals("b\u00f8m \ud83d\udce1"));
        // said in the log by the thread that rewrites the file, which may come just after the component has the value
        Await.until("the byte order mark said in the log", Duration.ofSeconds(5),
                () -> gateway.log().contains("dev.outrigger.itest.greeter.cfg: begins with a byte order mark"));
        Await.until("saved without it", Duration.ofSeconds(5),
                () -> Files.readString(cfg).equals("greeting = b\u00f8m \ud83d\udce1\nrepeat = 1\n"));
    }

    /**
     * What the cluster copies over etc/ (the base's ConfigMap, with the example overlay's files
     * merged in) is taken as it is: no property unknown, no value rejected, once the features it
     * installs declared their schemas.
     */
    @Test
    public void theClustersConfigurationFilesAreTakenWithoutAComplaint() throws Exception {
        Path etc = gateway.home.resolve("etc");
        for (Path files : List.of(Distribution.K8S_BASE.resolve("etc"), Distribution.K8S_BASE.resolve("../overlays/radio-nodes/etc"))) {
            try (var each = Files.list(files)) {
                for (Path file : each.toList()) {
                    Files.copy(file, etc.resolve(file.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        // the health endpoint on a free port; the brokers' names on loopback, where nothing listens: no network
        Path health = etc.resolve("dev.outrigger.health.cfg");
        Files.writeString(health, Files.readString(health).replaceAll("(?m)^port = \\d+$", "port = 0"));
        Path hosts = folder.newFile("hosts").toPath();
        Files.writeString(hosts, "127.0.0.1 mqtt.mqtt.svc.cluster.local mqtt.example.com\n");
        gateway.environment.put("OUTRIGGER_OPTS", "-Djdk.net.hosts.file=" + hosts);
        gateway.start();
        Await.until("the gateway feature installed and healthy", Duration.ofSeconds(30),
                () -> gateway.log().contains("Feature gateway installed") && gateway.shell("health").status() == 0);

        assertEquals("allow = 10.42.0.0/16,192.168.1.0/24", gateway.shell("config:get dev.outrigger.bridge.auto").output().lines()
                .map(String::strip).filter(l -> l.startsWith("allow")).map(l -> l.replaceAll("\\s+", " = ")).findFirst().orElse(""));
        for (String complaint : List.of("unknown propert", "rejected", "required, not set", "allow:")) {
            assertTrue(complaint + " in " + gateway.log(), lines(gateway.log(), complaint).isEmpty());
        }
    }
}
