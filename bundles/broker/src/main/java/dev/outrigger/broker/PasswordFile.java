package dev.outrigger.broker;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Users and password hashes in mosquitto's password file format, so that {@code mosquitto_passwd}
 * manages them and an existing mosquitto file can be reused: {@code user:$7$iterations$salt$hash}
 * (PBKDF2-HMAC-SHA512, mosquitto 2's default) or {@code user:$6$salt$hash} (salted SHA-512,
 * mosquitto 1.6's). The file is read again whenever it changes, so users are added and removed
 * without a restart. Unreadable, it admits nobody.
 */
final class PasswordFile {

    private static final Logger LOG = LoggerFactory.getLogger(PasswordFile.class);

    /** User name to hash. */
    private final WatchedFile<Map<String, String>> hashes;

    PasswordFile(Path file) {
        hashes = new WatchedFile<>(file, "password file", PasswordFile::parse, Map.of(), "refusing every client until it can");
    }

    Path file() {
        return hashes.file();
    }

    /** Whether the user is listed and the password is theirs. */
    boolean accepts(String user, byte[] password) {
        String hash = user == null ? null : hashes.current().get(user);
        return hash != null && password != null && matches(hash, password);
    }

    private static Map<String, String> parse(Path file, List<String> lines) {
        Map<String, String> read = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            int colon = line.indexOf(':');
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (colon <= 0 || !(line.startsWith("$6$", colon + 1) || line.startsWith("$7$", colon + 1))) {
                LOG.warn("{} line {}: not user:$7$... or user:$6$... (make it with mosquitto_passwd); ignored", file, i + 1);
                continue;
            }
            read.put(line.substring(0, colon), line.substring(colon + 1));
        }
        LOG.info("Embedded MQTT broker: {} user(s) from {}", read.size(), file);
        return read;
    }

    /** Checks a password against a {@code $6$} or {@code $7$} hash; a malformed hash matches nothing. */
    static boolean matches(String hash, byte[] password) {
        String[] parts = hash.split("\\$");
        try {
            byte[] expected;
            byte[] actual;
            if (parts.length == 4 && parts[1].equals("6")) {
                byte[] salt = Base64.getDecoder().decode(parts[2]);
                expected = Base64.getDecoder().decode(parts[3]);
                MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
                sha512.update(password);
                actual = sha512.digest(salt);
            } else if (parts.length == 5 && parts[1].equals("7")) {
                int iterations = Integer.parseInt(parts[2]);
                byte[] salt = Base64.getDecoder().decode(parts[3]);
                expected = Base64.getDecoder().decode(parts[4]);
                // the JDK's PBKDF2 takes characters and hashes their UTF-8 bytes, as mosquitto hashes the typed text
                PBEKeySpec spec = new PBEKeySpec(new String(password, StandardCharsets.UTF_8).toCharArray(), salt, iterations,
                        expected.length * 8);
                actual = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512").generateSecret(spec).getEncoded();
                spec.clearPassword();
            } else {
                return false;
            }
            return MessageDigest.isEqual(expected, actual);
        } catch (IllegalArgumentException | GeneralSecurityException malformed) {
            return false;
        }
    }
}
