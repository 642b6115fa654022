package dev.outrigger.bridge;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Component;

/** The bridges running now, configured and automatic, for the shell. */
@Component(service = Bridges.class)
public class Bridges {

    private final List<Bridge> running = new CopyOnWriteArrayList<>();

    void add(Bridge b) {
        running.add(b);
    }

    void remove(Bridge b) {
        running.remove(b);
    }

    List<Bridge> all() {
        return List.copyOf(running);
    }
}
