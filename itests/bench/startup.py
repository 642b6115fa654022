#!/usr/bin/env python3
"""Whole-process start-up benchmark: Outrigger core against Apache Karaf minimal, side by side.

Each runtime is started twice from a fresh copy: the first start installs every bundle into an
empty framework cache (and, for Outrigger, writes its class data sharing archive 10 s after it, and
is stopped once it has);
the second is a restart, as on a node that reboots. For each start it measures:
  ready  - launch until the runtime answers its shell (Outrigger: the loopback shell port, confirmed
           by `lb` over the shell port listing every bundle Active; Karaf: its SSH port accepting)
  rss    - resident memory of the JVM 10 s after launch (restart only)
and prints the medians of N runs and the ratios Outrigger/Karaf.

Usage: itests/bench/startup.py [runs] [--all]   (after `mvn -B -q package -DskipTests`)
Without --all the deploy/ folder is emptied and no feature is installed at start, so Outrigger's
core runtime is measured; with it, the distribution as shipped (the quick start: core, the features
in deploy/ and those etc/dev.outrigger.feature.cfg installs).
Karaf minimal 4.4.8 is fetched from Maven Central into itests/target/bench on first use.
"""
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIST = os.path.join(ROOT, "run", "target", "outrigger")
BENCH = os.path.join(ROOT, "itests", "target", "bench")
KARAF_VERSION = "4.4.8"
RSS_AFTER_S = 10.0
CORE_ONLY = "--all" not in sys.argv
TIMEOUT_S = 60.0


def port_answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"no VmRSS for {pid}")


def karaf_home():
    home = os.path.join(BENCH, f"apache-karaf-minimal-{KARAF_VERSION}")
    if not os.path.isdir(home):
        os.makedirs(BENCH, exist_ok=True)
        subprocess.run(["mvn", "-B", "-q", "dependency:copy",
                        f"-Dartifact=org.apache.karaf:apache-karaf-minimal:{KARAF_VERSION}:tar.gz",
                        f"-DoutputDirectory={BENCH}"], check=True)
        subprocess.run(["tar", "xzf", os.path.join(BENCH, f"apache-karaf-minimal-{KARAF_VERSION}.tar.gz"),
                        "-C", BENCH], check=True)
    return home


def outrigger_ready(home):
    """The shell answers `lb` with every bundle Active. Asked over the shell port's own protocol, as
    bin/outrigger-shell does, but without starting a client JVM per poll: Karaf's readiness is a
    bare port check, so a client's start-up must not count against Outrigger either."""
    port_file = os.path.join(home, "data", "shell.port")
    if not os.path.exists(port_file):
        return False
    with open(port_file) as f:
        port, token = f.read().split()
    try:
        with socket.create_connection(("127.0.0.1", int(port)), timeout=2) as shell:
            shell.sendall(f"{token}\nlb\n".encode())
            shell.shutdown(socket.SHUT_WR)
            reply = b"".join(iter(lambda: shell.recv(65536), b"")).decode()
    except OSError:
        return False
    output, _, status = reply.partition("\0")
    rows = [l for l in output.splitlines() if "|" in l and l.strip()[0].isdigit()]
    return status.strip() == "0" and rows and all("|Active" in r for r in rows)


def measure(name, source, command, ready):
    """(first start ready, restart ready, restart RSS) for one fresh copy of a runtime."""
    work = tempfile.mkdtemp(prefix=f"bench-{name}-")
    home = os.path.join(work, name)
    shutil.copytree(source, home, symlinks=True)
    if name == "outrigger":  # any free port: never collide with a gateway already running here
        with open(os.path.join(home, "etc", "dev.outrigger.shell.cfg"), "w") as cfg:
            cfg.write("port = 0\n")
        if CORE_ONLY:  # the core runtime, as the goal is stated: no application bundles, no features added at start
            for jar in os.listdir(os.path.join(home, "deploy")):
                os.remove(os.path.join(home, "deploy", jar))
            with open(os.path.join(home, "etc", "dev.outrigger.feature.cfg"), "w") as cfg:
                cfg.write("install =\n")
    # Outrigger's first run writes its class data sharing archive once it has settled; one stopped
    # sooner leaves it to the next, which would then be no restart as a rebooting node's is
    settled = archive_written if name == "outrigger" else None
    try:
        first, _ = start(name, home, command, ready, rss_after=None, settled=settled)
        again, rss = start(name, home, command, ready, rss_after=RSS_AFTER_S)
        return first, again, rss
    finally:
        shutil.rmtree(work, ignore_errors=True)


def archive_written(home):
    return any(f.startswith("cds-") and f.endswith(".jsa") for f in os.listdir(os.path.join(home, "data")))


def start(name, home, command, ready, rss_after, settled=None):
    launched = time.monotonic()
    proc = subprocess.Popen(command(home), cwd=home, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        ready_at = None
        while ready_at is None:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}")
            if time.monotonic() - launched > TIMEOUT_S:
                raise RuntimeError(f"{name} not ready after {TIMEOUT_S} s")
            if ready(home):
                ready_at = time.monotonic()
            else:
                time.sleep(0.01)
        rss = None
        if rss_after is not None:
            time.sleep(max(0.0, launched + rss_after - time.monotonic()))
            rss = rss_mb(jvm_of(proc.pid))
        while settled is not None and not settled(home):
            if time.monotonic() - launched > TIMEOUT_S:
                raise RuntimeError(f"{name} not settled after {TIMEOUT_S} s")
            time.sleep(0.1)
        return ready_at - launched, rss
    finally:
        stop_group(proc)


def stop_group(proc):
    """SIGTERM to the launcher and every process it started; returns once all of them are gone."""
    os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while True:
        proc.poll()
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            deadline += 30
        time.sleep(0.05)


def java_pid(pid):
    """The JVM itself: bin/outrigger execs java; Karaf's script may keep a shell above it."""
    with open(f"/proc/{pid}/comm") as comm:
        if comm.read().strip() == "java":
            return pid
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    for child in children:
        found = java_pid(int(child))
        if found:
            return found
    return None


def jvm_of(pid):
    found = java_pid(pid)
    if found is None:
        raise RuntimeError(f"no java process under {pid}: " + subprocess.run(
            ["ps", "-o", "pid,ppid,comm", "--ppid", str(pid), "-p", str(pid)], capture_output=True, text=True).stdout)
    return found


def main():
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    runs = int(numbers[0]) if numbers else 3
    if not os.path.isdir(DIST):
        sys.exit(f"{DIST} is missing: build it first with `mvn -B -q package -DskipTests`")
    karaf = karaf_home()
    results = {"outrigger": [], "karaf": []}
    for i in range(runs):
        results["outrigger"].append(measure("outrigger", DIST, lambda h: [os.path.join(h, "bin", "outrigger")],
                                            outrigger_ready))
        results["karaf"].append(measure("karaf", karaf, lambda h: [os.path.join(h, "bin", "karaf"), "server"],
                                        lambda h: port_answers(8101)))
        o, k = results["outrigger"][-1], results["karaf"][-1]
        print(f"run {i + 1}/{runs}: outrigger first {o[0]:.2f} s, restart {o[1]:.2f} s, rss {o[2]:.0f} MB; "
              f"karaf first {k[0]:.2f} s, restart {k[1]:.2f} s, rss {k[2]:.0f} MB", flush=True)

    med = {k: [statistics.median(run[col] for run in v) for col in range(3)] for k, v in results.items()}
    print()
    print(f"median of {runs} runs      first start (s)   restart (s)   RSS {RSS_AFTER_S:.0f} s after restart (MB)")
    ours = "Outrigger core" if CORE_ONLY else "Outrigger as shipped"
    for label, key in ((ours, "outrigger"), (f"Karaf minimal {KARAF_VERSION}", "karaf")):
        m = med[key]
        print(f"{label:24} {m[0]:15.2f} {m[1]:13.2f} {m[2]:14.0f}")
    ratio = [med["outrigger"][c] / med["karaf"][c] for c in range(3)]
    print(f"{'Outrigger / Karaf':24} {ratio[0]:15.2f} {ratio[1]:13.2f} {ratio[2]:14.2f}")
    print("goal for Outrigger core: ready < 1.0 s, RSS < 80 MB")


if __name__ == "__main__":
    main()
