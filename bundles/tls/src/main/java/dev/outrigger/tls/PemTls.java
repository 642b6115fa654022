package dev.outrigger.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

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
        KeyManagerFactory keys = null;
        if (!certFile.isEmpty()) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setKeyEntry("own", privateKey(keyFile), new char[0], certificates(certFile).toArray(Certificate[]::new));
            keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, new char[0]);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
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
