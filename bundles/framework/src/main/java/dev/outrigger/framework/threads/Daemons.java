package dev.outrigger.framework.threads;

import java.util.concurrent.ThreadFactory;

/**
 * The threads a bundle starts: daemons, so that one its bundle fails to end never keeps the JVM
 * from exiting, and named, so that a thread dump (and the tests that count a bundle's threads
 * across an update) tells whose each one is.
 */
public final class Daemons {

    private Daemons() {
    }

    /** Runs the task on a new daemon thread of that name. */
    public static Thread start(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** Threads for an executor: daemons of that name. */
    public static ThreadFactory named(String name) {
        return task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
