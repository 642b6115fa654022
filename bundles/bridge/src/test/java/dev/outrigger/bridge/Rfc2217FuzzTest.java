package dev.outrigger.bridge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Whatever bytes a network client sends: the telnet parser never throws, never keeps more than it
 * was given, and serial data escaped as the protocol wants comes out whole, however the network
 * cut it into reads. Jazzer reports a crash, a timeout or an out-of-memory as a failure.
 */
class Rfc2217FuzzTest {

    @FuzzTest(maxDuration = "10s")
    void anyBytesFromAClient(byte[] bytes) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        ByteArrayOutputStream replies = new ByteArrayOutputStream();
        new Rfc2217(() -> Rfc2217.Port.ABSENT, "fuzz", () -> { }).receive(bytes, bytes.length, data, replies);
        assertTrue(data.size() <= bytes.length, "no more serial data than bytes received");

        // the same bytes as serial data, escaped, in two reads split anywhere
        byte[] escaped = Rfc2217.escape(bytes);
        int cut = bytes.length == 0 ? 0 : (bytes[0] & 0xff) % (escaped.length + 1);
        Rfc2217 telnet = new Rfc2217(() -> Rfc2217.Port.ABSENT, "fuzz", () -> { });
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        telnet.receive(escaped, cut, whole, replies);
        byte[] rest = Arrays.copyOfRange(escaped, cut, escaped.length);
        telnet.receive(rest, rest.length, whole, replies);
        assertArrayEquals(bytes, whole.toByteArray());
    }
}
