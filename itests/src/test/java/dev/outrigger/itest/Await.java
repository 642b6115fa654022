package dev.outrigger.itest;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Waits for a condition with a deadline, instead of sleeping and hoping. */
final class Await {

    private Await() {
    }

    /** Polls until the condition holds; fails with {@code what} and the last error at the deadline. */
    static long until(String what, Duration timeout, Callable<Boolean> condition) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (Boolean.TRUE.equals(condition.call())) {
                    return Duration.ofNanos(System.nanoTime() - start).toMillis();
                }
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what
                + (last == null ? "" : " (last error: " + last + ")"));
    }

    /** Polls until the supplier returns a value (not null, no exception) and returns it. */
    static <T> T value(String what, Duration timeout, Callable<T> supplier) throws InterruptedException {
        Object[] result = new Object[1];
        until(what, timeout, () -> (result[0] = supplier.call()) != null);
        @SuppressWarnings("unchecked")
        T value = (T) result[0];
        return value;
    }
}
