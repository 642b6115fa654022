package dev.outrigger.broker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
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

    private final Path file;
    private Map<String, String> hashes = Map.of();
    private FileTime readVersion;
    private long readSize = -1;
    private String lastProblem;

    PasswordFile(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    /** Whether the user is listed and the password is theirs. */
    synchronized boolean accepts(String user, byte[] password) {
        refresh();
        String hash = user == null ? null : hashes.get(user);
        return hash != null && password != null && matches(hash, password);
    }

    private void refresh() {
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            if (modified.equals(readVersion) && size == readSize) {
                return;
            }
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
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
            hashes = read;
            readVersion = modified;
            readSize = size;
            lastProblem = null;
            LOG.info("Embedded MQTT broker: {} user(s) from {}", read.size(), file);
        } catch (IOException | RuntimeException e) {
            hashes = Map.of();
            readVersion = null;
            String problem = e.toString();
            if (!problem.equals(lastProblem)) {
                lastProblem = problem;
                LOG.warn("Embedded MQTT broker cannot read its password file {} ({}); refusing every client until it can",
                        file, e instanceof NoSuchFileException ? "no such file" : e.getMessage());
            }
        }
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
