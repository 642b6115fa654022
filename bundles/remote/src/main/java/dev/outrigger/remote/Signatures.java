package dev.outrigger.remote;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed requests: the body is {@code {"signed": "<request JSON as a string>", "hmac": "<hex>"}}
 * with the HMAC-SHA256 of the string's UTF-8 bytes under the shared key. Signing a string, not
 * a re-serialised object, means sender and receiver never disagree on canonical JSON. The request
 * carries a {@code timestamp} (seconds since the epoch) that must be within the allowed skew; a
 * signature seen within the window is a replay.
 */
final class Signatures {

    /** Read for each request, so a fixed or rotated key file takes effect without a restart. */
    private final Supplier<Optional<byte[]>> key;
    private final long maxSkewSeconds;
    private final Clock clock;
    /** Signatures accepted within the window, oldest first, with their expiry in epoch seconds. */
    private final Map<String, Long> seen = new LinkedHashMap<>();

    Signatures(Supplier<Optional<byte[]>> key, long maxSkewSeconds, Clock clock) {
        this.key = key;
        this.maxSkewSeconds = maxSkewSeconds;
        this.clock = clock;
    }

    static String hmac(byte[] key, String signed) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    /**
     * Checks a signed request: empty when it may be carried out, otherwise why not.
     *
     * @param timestamp the request's own timestamp, read from the signed string
     */
    synchronized Optional<String> verify(String signed, String hmac, Object timestamp) {
        Optional<byte[]> k = key.get();
        if (k.isEmpty()) {
            return Optional.of("the gateway's signing key is unavailable");
        }
        byte[] expected = hmac(k.get(), signed).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, hmac.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
            return Optional.of("bad signature");
        }
        if (!(timestamp instanceof Number n)) {
            return Optional.of("signed request without a numeric timestamp (seconds since the epoch)");
        }
        long now = clock.instant().getEpochSecond();
        if (Math.abs(now - n.longValue()) > maxSkewSeconds) {
            return Optional.of("timestamp " + n.longValue() + " is more than " + maxSkewSeconds
                    + " s from this gateway's clock (" + now + ")");
        }
        seen.values().removeIf(expiry -> expiry < now);
        if (seen.putIfAbsent(hmac.toLowerCase(Locale.ROOT), n.longValue() + maxSkewSeconds) != null) {
            return Optional.of("replayed request");
        }
        return Optional.empty();
    }
}
