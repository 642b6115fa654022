package dev.outrigger.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A server's PEM files, read again when they change: the key and trust managers of
 * {@link PemTls#renewing} ask it for the ones in use at each step of a handshake.
 */
final class RenewingFiles {

    private static final long CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Managers made from the files as they were (their real paths, sizes and times: {@code stamp}). */
    private record Read(X509ExtendedKeyManager keys, X509ExtendedTrustManager trust, String stamp) {
    }

    private final String caFile;
    private final String certFile;
    private final String keyFile;
    private final Consumer<String> unusable;
    private volatile Read inUse;
    private volatile long checkedAt;
    /** The stamp of files found unusable, said once. */
    private String refused; // guarded by this

    RenewingFiles(String caFile, String certFile, String keyFile, Consumer<String> unusable)
            throws IOException, GeneralSecurityException {
        this.caFile = caFile;
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.unusable = unusable;
        this.inUse = read(stamp());
        this.checkedAt = System.nanoTime();
    }

    private Read read(String stamp) throws IOException, GeneralSecurityException {
        return new Read(PemTls.keyManager(certFile, keyFile), PemTls.trustManager(caFile), stamp);
    }

    /** Where each file leads (a Secret's files are links into a folder it replaces), its size and time. */
    private String stamp() throws IOException {
        List<String> parts = new ArrayList<>();
        for (String file : List.of(caFile, certFile, keyFile)) {
            if (!file.isEmpty()) {
                Path real = Path.of(file).toRealPath();
                parts.add(real + ":" + Files.size(real) + ":" + Files.getLastModifiedTime(real).toMillis());
            }
        }
        return String.join(" ", parts);
    }

    /** The managers of the files as they are now, looked at once a second at most. */
    private Read now() {
        long now = System.nanoTime();
        if (now - checkedAt > CHECK_NANOS) {
            synchronized (this) {
                if (now - checkedAt > CHECK_NANOS) {
                    renewIfChanged();
                    checkedAt = now;
                }
            }
        }
        return inUse;
    }

    private void renewIfChanged() {
        String stamp;
        try {
            stamp = stamp();
        } catch (IOException gone) { // being replaced, or removed: the ones in use stay
            stamp = "unreadable: " + gone;
        }
        if (stamp.equals(inUse.stamp()) || stamp.equals(refused)) {
            return;
        }
        try {
            inUse = read(stamp);
        } catch (IOException | GeneralSecurityException e) {
            refused = stamp;
            unusable.accept("TLS files changed but cannot be used (" + e.getMessage() + "); the previous ones stay in use");
        }
    }

    X509ExtendedKeyManager keyManager() {
        return new X509ExtendedKeyManager() {
            @Override
            public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
                return now().keys().chooseEngineServerAlias(keyType, issuers, engine);
            }

            @Override
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                return now().keys().chooseServerAlias(keyType, issuers, socket);
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                return now().keys().getCertificateChain(alias);
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                return now().keys().getPrivateKey(alias);
            }

            @Override
            public String[] getServerAliases(String keyType, Principal[] issuers) {
                return now().keys().getServerAliases(keyType, issuers);
            }

            @Override
            public String[] getClientAliases(String keyType, Principal[] issuers) {
                return now().keys().getClientAliases(keyType, issuers);
            }

            @Override
            public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                return now().keys().chooseClientAlias(keyType, issuers, socket);
            }
        };
    }

    X509ExtendedTrustManager trustManager() {
        return new X509ExtendedTrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
                now().trust().checkClientTrusted(chain, authType, socket);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
                now().trust().checkClientTrusted(chain, authType, engine);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                now().trust().checkClientTrusted(chain, authType);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
                now().trust().checkServerTrusted(chain, authType, socket);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
                now().trust().checkServerTrusted(chain, authType, engine);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                now().trust().checkServerTrusted(chain, authType);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return now().trust().getAcceptedIssuers();
            }
        };
    }
}
