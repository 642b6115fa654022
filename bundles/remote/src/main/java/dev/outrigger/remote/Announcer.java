package dev.outrigger.remote;

import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Events told until the broker acknowledged them, and each once: one still on its way (a slow
 * link takes longer than a tick) is not published again. A publication the broker never answers
 * (Paho does not end those of a connection that died) may be made again after a while.
 */
final class Announcer {

    private static final long UNANSWERED_SECONDS = 10;

    private final Set<Object> underway = ConcurrentHashMap.newKeySet();

    /** Publishes {@code event} unless it is on its way; once acknowledged, runs {@code told} (which forgets it). */
    void tell(Object event, Supplier<CompletionStage<Void>> publish, Runnable told) {
        if (!underway.add(event)) {
            return;
        }
        try {
            publish.get().toCompletableFuture().orTimeout(UNANSWERED_SECONDS, TimeUnit.SECONDS).whenComplete((ok, failed) -> {
                if (failed == null) {
                    told.run();
                }
                underway.remove(event); // after told: the next tick finds it forgotten, not to be told again
            });
        } catch (RuntimeException e) {
            underway.remove(event);
            throw e;
        }
    }
}
