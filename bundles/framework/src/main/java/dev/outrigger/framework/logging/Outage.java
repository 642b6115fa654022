package dev.outrigger.framework.logging;

import java.util.function.LongConsumer;

/**
 * Something that fails and works again, logged without flooding: a failure is logged as by
 * {@link OncePerMinute}, and the recovery only when the failure before it was. A disk nearly full
 * fails and works by turns, record after record: that makes at most a pair of lines a minute.
 */
public final class Outage {

    private final OncePerMinute failures;
    private boolean logged;

    public Outage() {
        this(new OncePerMinute());
    }

    Outage(OncePerMinute failures) {
        this.failures = failures;
    }

    /** It failed once more; {@code line} gets how often since the last line. */
    public synchronized void failed(LongConsumer line) {
        failures.occurred(n -> {
            logged = true;
            line.accept(n);
        });
    }

    /** For a line about {@code n} failures: nothing for the first, how many since the last line for the others. */
    public static String times(long n) {
        return n > 1 ? " (" + n + " times in the last minute)" : "";
    }

    /** It worked; {@code line} runs if a failure was logged since the last recovery. */
    public synchronized void worked(Runnable line) {
        if (logged) {
            logged = false;
            line.run();
        }
    }
}
