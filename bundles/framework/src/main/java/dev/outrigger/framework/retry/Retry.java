package dev.outrigger.framework.retry;

import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;

import dev.outrigger.framework.net.NetworkFailures;

/**
 * Something that fails while a fault lasts (a port taken, an address missing) tried again until
 * it works, so that the runtime recovers by itself when the fault goes away.
 */
public final class Retry {

    private static final long FIRST_DELAY_MILLIS = 1000;
    private static final long MAX_DELAY_MILLIS = 30_000;

    /** One try; an exception means: not yet. */
    public interface Attempt {
        void run() throws IOException;
    }

    private Retry() {
    }

    /**
     * Runs the attempt at once, on the caller's thread, and, while it throws, again on the executor
     * after 1 s, doubling to 30 s, until it succeeds or the executor is shut down. Only the first
     * failure is logged: {@code "<failure> (<reason>); retrying every 30 s at most"}.
     */
    public static void until(ScheduledExecutorService executor, Logger log, String failure, Attempt attempt) {
        run(executor, log, failure, attempt, 0, FIRST_DELAY_MILLIS);
    }

    private static void run(ScheduledExecutorService executor, Logger log, String failure, Attempt attempt, int failures,
            long delayMillis) {
        try {
            attempt.run();
        } catch (IOException e) {
            if (failures == 0) {
                log.warn("{} ({}); retrying every {} s at most", failure, NetworkFailures.inWords(e).orElse(e.getMessage()),
                        MAX_DELAY_MILLIS / 1000);
            }
            try {
                executor.schedule(() -> run(executor, log, failure, attempt, failures + 1,
                        Math.min(delayMillis * 2, MAX_DELAY_MILLIS)), delayMillis, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException shutDown) {
                // its owner stopped: nothing left to retry for
            }
        }
    }
}
