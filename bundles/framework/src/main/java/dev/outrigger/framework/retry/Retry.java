package dev.outrigger.framework.retry;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;

import dev.outrigger.framework.net.NetworkFailures;

/**
 * Something that fails while a fault lasts (a port taken, an address missing) tried again until
 * it works, so that the runtime recovers by itself when the fault goes away; while it fails, it
 * says why, for the runtime's health.
 */
public final class Retry {

    private static final long FIRST_DELAY_MILLIS = 1000;
    private static final long MAX_DELAY_MILLIS = 30_000;

    /** One try; an exception means: not yet. */
    public interface Attempt {
        void run() throws IOException;
    }

    private final ScheduledExecutorService executor;
    private final Logger log;
    private final String failure;
    private final Attempt attempt;
    private volatile String failing;

    private Retry(ScheduledExecutorService executor, Logger log, String failure, Attempt attempt) {
        this.executor = executor;
        this.log = log;
        this.failure = failure;
        this.attempt = attempt;
    }

    /**
     * Runs the attempt at once, on the caller's thread, and, while it throws, again on the executor
     * after 1 s, doubling to 30 s, until it succeeds or the executor is shut down. Only the first
     * failure is logged: {@code "<failure> (<reason>); retrying every 30 s at most"}.
     */
    public static Retry until(ScheduledExecutorService executor, Logger log, String failure, Attempt attempt) {
        Retry retry = new Retry(executor, log, failure, attempt);
        retry.run(0, FIRST_DELAY_MILLIS);
        return retry;
    }

    /** {@code "<failure> (<reason>)"} of the last attempt while it failed; empty once one has worked. */
    public Optional<String> failing() {
        return Optional.ofNullable(failing);
    }

    private void run(int failures, long delayMillis) {
        try {
            attempt.run();
            failing = null;
        } catch (IOException e) {
            failing = failure + " (" + NetworkFailures.inWords(e).orElse(e.getMessage()) + ")";
            if (failures == 0) {
                log.warn("{}; retrying every {} s at most", failing, MAX_DELAY_MILLIS / 1000);
            }
            try {
                executor.schedule(() -> run(failures + 1, Math.min(delayMillis * 2, MAX_DELAY_MILLIS)), delayMillis,
                        TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException shutDown) {
                // its owner stopped: nothing left to retry for
            }
        }
    }
}
