package dev.outrigger.framework.logging;

import static org.junit.Assert.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.Test;

public class OutageTest {

    private final AtomicLong now = new AtomicLong(0);
    private final Outage outage = new Outage(new OncePerMinute(now::get));
    private final List<String> lines = new ArrayList<>();

    @Test
    public void failingAndWorkingByTurnsMakesAPairOfLinesAMinute() {
        for (int s = 0; s < 90; s++) {
            outage.failed(n -> lines.add("failed " + n));
            outage.worked(() -> lines.add("works"));
            now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        }
        assertEquals(List.of("failed 1", "works", "failed 61", "works"), lines);
    }

    @Test
    public void aFailureThatLastsIsRecalledOnceAMinuteAndItsEndSaidOnce() {
        for (int s = 0; s < 130; s++) {
            outage.failed(n -> lines.add("failed " + n));
            now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        }
        outage.worked(() -> lines.add("works"));
        outage.worked(() -> lines.add("works"));
        assertEquals(List.of("failed 1", "failed 61", "failed 61", "works"), lines);
    }

    @Test
    public void aLineSaysHowOftenOnlyWhenMoreThanOnce() {
        assertEquals("", Outage.times(1));
        assertEquals(" (61 times in the last minute)", Outage.times(61));
    }
}
