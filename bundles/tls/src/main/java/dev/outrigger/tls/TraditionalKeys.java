package dev.outrigger.tls;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * OpenSSL's traditional key formats as PKCS#8, which is what the JDK reads: PKCS#1 RSA ({@code BEGIN RSA
 * PRIVATE KEY}, from OpenSSL 1.1's {@code genrsa}, as on Raspberry Pi OS Bullseye, and from cert-manager by
 * default) and SEC1 EC ({@code BEGIN EC PRIVATE KEY}, from {@code ecparam -genkey}). PKCS#8 is the same key
 * with its algorithm named in front, so each is wrapped, not decoded.
 */
final class TraditionalKeys {

    private static final byte[] VERSION_0 = { 0x02, 0x01, 0x00 };
    private static final byte[] RSA_ENCRYPTION = { 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01 };
    private static final byte[] NO_PARAMETERS = { 0x05, 0x00 };
    private static final byte[] EC_PUBLIC_KEY = { 0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01 };
    private static final int SEQUENCE = 0x30;
    private static final int OCTET_STRING = 0x04;
    /** The SEC1 key's [0]: its curve. */
    private static final int PARAMETERS = 0xa0;

    private TraditionalKeys() {
    }

    static byte[] rsa(byte[] pkcs1) {
        return privateKeyInfo(der(SEQUENCE, RSA_ENCRYPTION, NO_PARAMETERS), pkcs1);
    }

    static byte[] ec(byte[] sec1) throws GeneralSecurityException {
        return privateKeyInfo(der(SEQUENCE, EC_PUBLIC_KEY, curve(sec1)), sec1);
    }

    private static byte[] privateKeyInfo(byte[] algorithm, byte[] key) {
        return der(SEQUENCE, VERSION_0, algorithm, der(OCTET_STRING, key));
    }

    /** The curve's OID, as the SEC1 key names it in its parameters. */
    private static byte[] curve(byte[] sec1) throws GeneralSecurityException {
        try {
            int at = contentStart(sec1, 0); // inside the key's SEQUENCE: version, key, [0] parameters, [1] public key
            while (at < sec1.length) {
                int start = contentStart(sec1, at);
                int end = start + length(sec1, at);
                if ((sec1[at] & 0xff) == PARAMETERS) {
                    return Arrays.copyOfRange(sec1, start, end);
                }
                at = end;
            }
        } catch (ArrayIndexOutOfBoundsException | ArithmeticException damaged) {
            throw new GeneralSecurityException("a damaged EC key");
        }
        throw new GeneralSecurityException("an EC key that does not name its curve");
    }

    private static int contentStart(byte[] der, int at) {
        int first = der[at + 1] & 0xff;
        return at + 2 + (first < 0x80 ? 0 : first & 0x7f);
    }

    private static int length(byte[] der, int at) {
        int first = der[at + 1] & 0xff;
        if (first < 0x80) {
            return first;
        }
        return new BigInteger(1, Arrays.copyOfRange(der, at + 2, at + 2 + (first & 0x7f))).intValueExact();
    }

    private static byte[] der(int tag, byte[]... parts) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            content.writeBytes(part);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        if (content.size() < 0x80) {
            out.write(content.size());
        } else {
            byte[] size = BigInteger.valueOf(content.size()).toByteArray();
            int skip = size[0] == 0 ? 1 : 0;
            out.write(0x80 | (size.length - skip));
            out.write(size, skip, size.length - skip);
        }
        out.writeBytes(content.toByteArray());
        return out.toByteArray();
    }
}
