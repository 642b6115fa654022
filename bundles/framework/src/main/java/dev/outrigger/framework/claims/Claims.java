package dev.outrigger.framework.claims;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiPredicate;

/**
 * The devices that configured owners (a configured bridge, a configured radio) have taken, as the
 * selectors they were configured with: the automatic owner of the same kind keeps off them, so
 * that what is configured for a device wins over a default, instead of two owners fighting over
 * one port. The automatic owner is told of every change, synchronously, so it lets go of a port
 * before the configured one opens it.
 */
public final class Claims<T> {

    private final BiPredicate<String, T> selects;
    private final List<String> selectors = new CopyOnWriteArrayList<>();
    private static final Runnable NOBODY = () -> { };

    private final AtomicReference<Runnable> changed = new AtomicReference<>(NOBODY);

    /** @param selects whether a selector picks a device */
    public Claims(BiPredicate<String, T> selects) {
        this.selects = selects;
    }

    public void claim(String selector) {
        selectors.add(selector);
        changed.get().run();
    }

    public void release(String selector) {
        selectors.remove(selector);
        changed.get().run();
    }

    public boolean claimed(T device) {
        return selectors.stream().anyMatch(s -> selects.test(s, device));
    }

    /** The automatic owner's callback. */
    public void onChange(Runnable callback) {
        changed.set(callback);
    }

    /** When the automatic owner goes; a successor that already came keeps its callback. */
    public void noLongerTell(Runnable callback) {
        changed.compareAndSet(callback, NOBODY);
    }
}
