package dev.outrigger.itest;

import java.util.concurrent.TimeUnit;

/** Ends helper processes a test started (socat, shell clients), with everything they started. */
final class Processes {

    private Processes() {
    }

    /** SIGTERM to the whole tree; SIGKILL to whatever still runs 5 s later, so a test never hangs here. */
    static void stop(Process process) throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
