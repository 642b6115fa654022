package dev.outrigger.itest;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** Ends helper processes a test started (socat, shell clients), with everything they started. */
final class Processes {

    private Processes() {
    }

    /** SIGTERM to the whole tree, then SIGKILL to what still runs once the process ended (or 5 s on): a test never hangs here. */
    static void stop(Process process) throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList(); // taken first: once the parent is gone, they are not its
        children.forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }
}
