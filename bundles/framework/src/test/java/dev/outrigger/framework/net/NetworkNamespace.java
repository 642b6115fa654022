package dev.outrigger.framework.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.Assume;

/**
 * A host of its own for a test: a network namespace joined to this one by a veth pair, this side
 * {@link #hostAddress}, the other {@link #address}. {@link #cut()} makes the other host vanish the
 * way a host that lost power or left the Wi-Fi does: what is sent to it is lost, and it sends
 * nothing, not even a reset. Making namespaces takes root, which CI has: elsewhere the test is
 * skipped. Shared with the integration tests (test-jar).
 */
public final class NetworkNamespace implements AutoCloseable {

    public final String name;
    public final String hostAddress;
    public final String address;
    private final String peerInterface;
    private final String hostInterface;
    private final int subnet;
    private final List<Process> started = new ArrayList<>();

    private NetworkNamespace(String id, int subnet) {
        name = "or" + id;
        hostAddress = "10.231." + (subnet >> 8) + "." + ((subnet & 0xff) + 1);
        address = "10.231." + (subnet >> 8) + "." + ((subnet & 0xff) + 2);
        peerInterface = "orn" + id;
        hostInterface = "orh" + id;
        this.subnet = subnet;
    }

    /** A namespace with a /30 of its own in 10.231.0.0/16, picked at random so that runs side by side do not meet. */
    public static NetworkNamespace create() throws Exception {
        Assume.assumeTrue("network namespaces need root", "root".equals(System.getProperty("user.name")));
        String id = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0x1000000));
        NetworkNamespace ns = new NetworkNamespace(id, ThreadLocalRandom.current().nextInt(1 << 14) << 2);
        run("ip", "netns", "add", ns.name);
        try {
            run("ip", "link", "add", ns.hostInterface, "type", "veth", "peer", "name", ns.peerInterface);
            run("ip", "link", "set", ns.peerInterface, "netns", ns.name);
            run("ip", "addr", "add", ns.hostAddress + "/30", "dev", ns.hostInterface);
            run("ip", "link", "set", ns.hostInterface, "up");
            ns.inside("ip", "link", "set", "lo", "up");
            ns.inside("ip", "link", "set", ns.peerInterface, "up");
            ns.restore();
        } catch (Exception | AssertionError e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    /** Starts a command on the other host; stopped at {@link #close()} at the latest. */
    public Process start(ProcessBuilder command) throws IOException {
        List<String> line = new ArrayList<>(List.of("ip", "netns", "exec", name));
        line.addAll(command.command());
        Process p = command.command(line).start();
        started.add(p);
        return p;
    }

    /** The other host is gone from the network, silently. */
    public void cut() throws Exception {
        inside("ip", "addr", "del", address + "/30", "dev", peerInterface);
    }

    /** The other host is back on the network, its connections as they were. */
    public void restore() throws Exception {
        inside("ip", "addr", "add", address + "/30", "dev", peerInterface);
    }

    /**
     * This host takes a new address toward the other one, as from a new DHCP lease, its old one
     * kept for the connections made from it: 10.232.x.y beside 10.231.x.y. Returns the new address.
     */
    public String readdressThisHost() throws Exception {
        String prefix = "10.232." + (subnet >> 8) + ".";
        String mine = prefix + ((subnet & 0xff) + 1);
        run("ip", "addr", "add", mine + "/30", "dev", hostInterface);
        inside("ip", "addr", "add", prefix + ((subnet & 0xff) + 2) + "/30", "dev", peerInterface);
        run("ip", "route", "add", address + "/32", "dev", hostInterface, "src", mine);
        return mine;
    }

    private void inside(String... command) throws Exception {
        List<String> line = new ArrayList<>(List.of("ip", "netns", "exec", name));
        line.addAll(List.of(command));
        run(line.toArray(String[]::new));
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + ": " + out);
        }
    }

    /** Stops what runs on it (what was started there, and what that forked: socat's fork option) and removes it. */
    @Override
    public void close() throws Exception {
        for (Process p : started) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        Process pids = new ProcessBuilder("ip", "netns", "pids", name).redirectErrorStream(true).start();
        for (String pid : new String(pids.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).split("\\s+")) {
            if (pid.matches("\\d+")) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(forked -> {
                    forked.destroyForcibly();
                    forked.onExit().orTimeout(10, TimeUnit.SECONDS).join();
                });
            }
        }
        run("ip", "netns", "del", name);
        // the pair goes with the namespace, unless making it failed before its other end was moved there
        new ProcessBuilder("ip", "link", "del", hostInterface).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
    }
}
