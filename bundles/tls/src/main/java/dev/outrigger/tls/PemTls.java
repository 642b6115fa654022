package dev.outrigger.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS from PEM files, as brokers, CAs, Kubernetes Secrets and openssl hand them out: the certificates
 * to trust, and optionally a certificate chain with its key to present (in one file or two).
 * Embedded privately by the bundles that speak TLS (a client to a broker, a server to bridge clients).
 */
public final class PemTls {

    private static final Pattern PEM_BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----",
            Pattern.DOTALL);

    private PemTls() {
    }

    /**
     * @param caFile   certificates to trust; empty for the JVM's own
     * @param certFile certificate chain to present; empty for none
     * @param keyFile  its private key: PKCS#8, or OpenSSL's traditional RSA or EC form
     */
    public static SSLContext context(String caFile, String certFile, String keyFile)
            throws IOException, GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(certFile.isEmpty() ? null : new KeyManager[] { keyManager(certFile, keyFile) },
                new TrustManager[] { trustManager(caFile) }, null);
        return context;
    }

    /**
     * A server's TLS from files that are renewed while it runs (cert-manager rewriting a Secret, an
     * ACME client its files): each handshake presents, and checks client certificates against, what
     * the files hold now, looked at once a second at most. Files that cannot be used after a change
     * (a key not yet written beside its new certificate) leave the last usable ones in use, and
     * {@code unusable} is told why, once for each change.
     *
     * @throws IOException              the files cannot be read now
     * @throws GeneralSecurityException they hold nothing usable now
     */
    public static SSLContext renewing(String caFile, String certFile, String keyFile, Consumer<String> unusable)
            throws IOException, GeneralSecurityException {
        RenewingFiles files = new RenewingFiles(caFile, certFile, keyFile, unusable);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(new KeyManager[] { files.keyManager() }, new TrustManager[] { files.trustManager() }, null);
        return context;
    }

    /** What a server presents: the chain and its key, which must belong to its first certificate. */
    static X509ExtendedKeyManager keyManager(String certFile, String keyFile) throws IOException, GeneralSecurityException {
        List<Certificate> chain = certificates(certFile);
        PrivateKey key = privateKey(keyFile);
        if (!belongTogether(key, chain.get(0))) {
            throw new GeneralSecurityException(keyFile + " holds the key of another certificate than the one in " + certFile);
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        store.setKeyEntry("own", key, new char[0], chain.toArray(Certificate[]::new));
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, new char[0]);
        return (X509ExtendedKeyManager) keys.getKeyManagers()[0];
    }

    /** The certificates to trust: those in the file, or the JVM's own. */
    static X509ExtendedTrustManager trustManager(String caFile) throws IOException, GeneralSecurityException {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (caFile.isEmpty()) {
            trust.init((KeyStore) null);
        } else {
            KeyStore cas = KeyStore.getInstance(KeyStore.getDefaultType());
            cas.load(null, null);
            int i = 0;
            for (Certificate ca : certificates(caFile)) {
                cas.setCertificateEntry("ca" + i++, ca);
            }
            trust.init(cas);
        }
        return (X509ExtendedTrustManager) trust.getTrustManagers()[0];
    }

    /** Whether the key signs what the certificate's public key verifies. */
    private static boolean belongTogether(PrivateKey key, Certificate certificate) throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448: the signature algorithm is the key's
        };
        byte[] probe = "outrigger".getBytes(StandardCharsets.US_ASCII);
        Signature signing = Signature.getInstance(algorithm);
        signing.initSign(key);
        signing.update(probe);
        byte[] signature = signing.sign();
        Signature verifying = Signature.getInstance(algorithm);
        try {
            verifying.initVerify(certificate.getPublicKey());
        } catch (InvalidKeyException otherAlgorithm) {
            return false;
        }
        verifying.update(probe);
        return verifying.verify(signature);
    }

    /** Every certificate in the file, in order, whatever else it holds around them. */
    private static List<Certificate> certificates(String file) throws IOException, GeneralSecurityException {
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        List<Certificate> certificates = new ArrayList<>();
        for (byte[] der : blocks(pem(file), "CERTIFICATE")) {
            certificates.add(x509.generateCertificate(new ByteArrayInputStream(der)));
        }
        if (certificates.isEmpty()) {
            throw new GeneralSecurityException(file + " holds no certificate (-----BEGIN CERTIFICATE-----)");
        }
        return certificates;
    }

    /** The key in the file: PKCS#8, or OpenSSL's traditional RSA or EC form. */
    private static PrivateKey privateKey(String file) throws IOException, GeneralSecurityException {
        if (file.isEmpty()) {
            throw new GeneralSecurityException("certFile is set but keyFile is not");
        }
        String pem = pem(file);
        if (pem.contains("ENCRYPTED")) {
            throw new GeneralSecurityException(file + " holds a key protected by a passphrase; write it without one: "
                    + "openssl pkey -in " + file + " -out <new file>");
        }
        List<byte[]> pkcs8 = new ArrayList<>(blocks(pem, "PRIVATE KEY"));
        for (byte[] pkcs1 : blocks(pem, "RSA PRIVATE KEY")) {
            pkcs8.add(TraditionalKeys.rsa(pkcs1));
        }
        for (byte[] sec1 : blocks(pem, "EC PRIVATE KEY")) {
            pkcs8.add(TraditionalKeys.ec(sec1));
        }
        if (pkcs8.isEmpty()) {
            throw new GeneralSecurityException(file + " holds no private key (-----BEGIN PRIVATE KEY-----, or RSA or EC "
                    + "PRIVATE KEY)");
        }
        for (String algorithm : new String[] { "RSA", "EC", "Ed25519" }) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8.get(0)));
            } catch (java.security.spec.InvalidKeySpecException notThisOne) {
                // try the next algorithm
            }
        }
        throw new GeneralSecurityException(file + ": unsupported key algorithm");
    }

    /** ISO-8859-1 reads any byte: the text around the blocks may be anything. */
    private static String pem(String file) throws IOException {
        return Files.readString(Path.of(file), StandardCharsets.ISO_8859_1);
    }

    /**
     * The content of each PEM block of that type: only what lies between its BEGIN and END lines, so
     * that a key and its certificate in one file, or openssl's "Bag Attributes" from a .p12, are read.
     */
    private static List<byte[]> blocks(String pem, String type) {
        Matcher block = PEM_BLOCK.matcher(pem);
        List<byte[]> blocks = new ArrayList<>();
        while (block.find()) {
            if (block.group(1).equals(type)) {
                blocks.add(Base64.getMimeDecoder().decode(block.group(2)));
            }
        }
        return blocks;
    }
}
