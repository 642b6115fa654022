package dev.outrigger.framework.logging;

import static org.junit.Assert.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.Test;

public class OncePerMinuteTest {

    @Test
    public void theFirstIsLoggedThenOneLineAMinuteWithTheCountSinceTheLast() {
        AtomicLong now = new AtomicLong(0);
        OncePerMinute limited = new OncePerMinute(now::get);
        List<Long> lines = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            limited.occurred(lines::add);
            now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        }
        assertEquals("100 occurrences over 100 s: the first at once, then one a minute", List.of(1L, 61L), lines);
    }
}
