package dev.outrigger.remote;

/** A token bucket: bursts up to a minute's allowance, refilled continuously. */
final class RateLimiter {

    private final double perNano;
    private final double capacity;
    private double tokens;
    private long last;

    RateLimiter(int perMinute, long nowNanos) {
        this.capacity = Math.max(1, perMinute);
        this.perNano = capacity / 60e9;
        this.tokens = capacity;
        this.last = nowNanos;
    }

    synchronized boolean tryAcquire(long nowNanos) {
        tokens = Math.min(capacity, tokens + (nowNanos - last) * perNano);
        last = nowNanos;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
