package dev.outrigger.remote;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.Test;

public class RateLimiterTest {

    @Test
    public void aMinutesAllowanceInABurstThenOneEveryFewSeconds() {
        RateLimiter limiter = new RateLimiter(30, 0);
        for (int i = 0; i < 30; i++) {
            assertTrue("request " + i, limiter.tryAcquire(0));
        }
        assertFalse(limiter.tryAcquire(0));
        assertFalse(limiter.tryAcquire(TimeUnit.MILLISECONDS.toNanos(1_900)));
        assertTrue(limiter.tryAcquire(TimeUnit.MILLISECONDS.toNanos(2_100)));
        assertFalse(limiter.tryAcquire(TimeUnit.MILLISECONDS.toNanos(2_200)));
        assertTrue("never more than a minute's allowance saved up", limiter.tryAcquire(TimeUnit.HOURS.toNanos(1)));
    }
}
