package dev.outrigger.remote;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Optional;

import org.junit.Test;

public class SignaturesTest {

    private static final byte[] KEY = "shared".getBytes(StandardCharsets.UTF_8);
    private static final long NOW = 1_800_000_000L;

    private final Signatures signatures = new Signatures(() -> Optional.of(KEY), 300,
            Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC));

    @Test
    public void aFreshCorrectlySignedRequestPassesOnceOnly() {
        String request = "{\"pid\":\"x\",\"timestamp\":" + NOW + "}";
        String hmac = Signatures.hmac(KEY, request);
        assertEquals(Optional.empty(), signatures.verify(request, hmac, NOW));
        assertEquals(Optional.of("replayed request"), signatures.verify(request, hmac.toUpperCase(Locale.ROOT), NOW));
    }

    @Test
    public void aDifferentKeyOrAlteredRequestIsABadSignature() {
        String request = "{\"pid\":\"x\"}";
        assertEquals(Optional.of("bad signature"),
                signatures.verify(request, Signatures.hmac("other".getBytes(StandardCharsets.UTF_8), request), NOW));
        assertEquals(Optional.of("bad signature"), signatures.verify(request + " ", Signatures.hmac(KEY, request), NOW));
        assertEquals(Optional.of("bad signature"), signatures.verify(request, "not hex at all", NOW));
    }

    @Test
    public void timestampsOutsideTheSkewOrMissingAreRefused() {
        String request = "{}";
        String hmac = Signatures.hmac(KEY, request);
        assertTrue(signatures.verify(request, hmac, NOW - 301).orElseThrow().contains("more than 300 s"));
        assertTrue(signatures.verify(request, hmac, NOW + 301).orElseThrow().contains("more than 300 s"));
        assertTrue(signatures.verify(request, hmac, "yesterday").orElseThrow().contains("numeric timestamp"));
        assertEquals(Optional.empty(), signatures.verify(request, hmac, NOW - 300));
    }

    @Test
    public void withoutAReadableKeyEverythingIsRefused() {
        Signatures keyless = new Signatures(Optional::empty, 300, Clock.systemUTC());
        String request = "{}";
        assertTrue(keyless.verify(request, Signatures.hmac(new byte[1], request), NOW).orElseThrow().contains("unavailable"));
    }
}
