package dev.outrigger.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS from PEM files, as brokers, CAs and Kubernetes Secrets hand them out: the certificates to
 * trust, and optionally a certificate chain with its PKCS#8 key to present. Embedded privately by
 * the bundles that speak TLS (a client to a broker, a server to bridge clients).
 */
public final class PemTls {

    private PemTls() {
    }

    /**
     * @param caFile   certificates to trust; empty for the JVM's own
     * @param certFile certificate chain to present; empty for none
     * @param keyFile  its PKCS#8 private key
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

    private static Collection<? extends Certificate> certificates(String file) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            return CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
    }

    private static PrivateKey privateKey(String file) throws IOException, GeneralSecurityException {
        if (file.isEmpty()) {
            throw new GeneralSecurityException("certFile is set but keyFile is not");
        }
        String pem = Files.readString(Path.of(file));
        if (!pem.contains("BEGIN PRIVATE KEY")) {
            throw new GeneralSecurityException(file + " is not a PKCS#8 key (BEGIN PRIVATE KEY); convert it with "
                    + "openssl pkcs8 -topk8 -nocrypt");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        for (String algorithm : new String[] { "RSA", "EC", "Ed25519" }) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (java.security.spec.InvalidKeySpecException notThisOne) {
                // try the next algorithm
            }
        }
        throw new GeneralSecurityException(file + ": unsupported key algorithm");
    }
}
