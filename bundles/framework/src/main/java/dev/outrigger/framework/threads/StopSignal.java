package dev.outrigger.framework.threads;

/**
 * Tells a worker thread to stop, and cuts its waits short: a worker that backs off for half a
 * minute still stops at once when its bundle does.
 */
public final class StopSignal {

    private volatile boolean stopped;

    public boolean stopped() {
        return stopped;
    }

    /** Stops the worker: a {@link #pause} in progress returns at once. */
    public synchronized void stop() {
        stopped = true;
        notifyAll();
    }

    /**
     * Waits the time, or until stopped (an interrupt stops too).
     *
     * @return whether the worker is to go on
     */
    public synchronized boolean pause(long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        try {
            for (long left = millis; !stopped && left > 0; left = (deadline - System.nanoTime()) / 1_000_000) {
                wait(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
        }
        return !stopped;
    }
}
