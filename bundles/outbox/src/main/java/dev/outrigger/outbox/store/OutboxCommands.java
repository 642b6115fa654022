package dev.outrigger.outbox.store;

import java.util.Locale;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.outrigger.outbox.Outbox;

/** Gogo {@code outbox:stats}. */
@Component(service = OutboxCommands.class, property = { "osgi.command.scope=outbox", "osgi.command.function=stats" })
public class OutboxCommands {

    @Reference
    private Outbox outbox;

    @Descriptor("depth, size, oldest age and counters of the outbox")
    public String stats() {
        Outbox.Stats s = outbox.stats();
        return String.format(Locale.ROOT,
                "depth      %d%nbytes      %d%noldest     %d s%nappended   %d%ndelivered  %d%ndropped    %d%nstate      %s%n",
                s.depth(), s.bytes(), s.oldestAgeMillis() / 1000, s.appended(), s.delivered(), s.dropped(),
                s.writeFailure().map(why -> "CANNOT BE WRITTEN (refusing records): " + why)
                        .orElse(s.full() ? "FULL (dropping or refusing records)" : "ok"));
    }
}
