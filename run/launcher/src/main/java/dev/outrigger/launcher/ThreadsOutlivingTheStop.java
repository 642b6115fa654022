package dev.outrigger.launcher;

import java.io.PrintStream;
import java.lang.Thread.UncaughtExceptionHandler;

/**
 * What a library's thread that is still at work while the framework stops dies of: the first
 * class it loads after its bundle's wiring is gone (Paho's connecting thread, when a stop comes
 * while it reaches a broker). The process is on its way out and nothing is lost; one line says so
 * in place of a stack trace that would read like a crash. Anything else is reported as before.
 */
final class ThreadsOutlivingTheStop implements UncaughtExceptionHandler {

    private final UncaughtExceptionHandler before;
    private final PrintStream err;

    ThreadsOutlivingTheStop(UncaughtExceptionHandler before, PrintStream err) {
        this.before = before;
        this.err = err;
    }

    /** Installed as the default handler from the stop on; the one found before handles the rest. */
    static void install(PrintStream err) {
        UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        if (!(before instanceof ThreadsOutlivingTheStop)) {
            Thread.setDefaultUncaughtExceptionHandler(new ThreadsOutlivingTheStop(before, err));
        }
    }

    @Override
    public void uncaughtException(Thread thread, Throwable e) {
        if (e instanceof LinkageError && e.getCause() instanceof ClassNotFoundException) {
            err.println("outrigger: thread \"" + thread.getName() + "\" was still at work when its bundle stopped, and ended"
                    + " without its class " + e.getMessage().replace('/', '.'));
        } else if (before != null) {
            before.uncaughtException(thread, e);
        } else {
            // as the JVM reports it without a handler (the thread group would hand it back here)
            err.print("Exception in thread \"" + thread.getName() + "\" ");
            e.printStackTrace(err);
        }
    }
}
