package dev.outrigger.framework;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** For tests of the bundles: waits for a condition with a deadline, instead of sleeping and hoping. */
public final class Await {

    private static final long POLL_NANOS = 10_000_000;

    private Await() {
    }

    /** Checks the condition every 10 ms until it holds; fails naming {@code what} at the deadline. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + timeout.toMillis() + " ms: " + what);
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** Asks every 10 ms until the answer is not null, and returns it; fails naming {@code what} at the deadline. */
    public static <T> T value(String what, Duration timeout, Supplier<T> answer) {
        Object[] got = new Object[1];
        until(what, timeout, () -> (got[0] = answer.get()) != null);
        @SuppressWarnings("unchecked")
        T value = (T) got[0];
        return value;
    }
}
