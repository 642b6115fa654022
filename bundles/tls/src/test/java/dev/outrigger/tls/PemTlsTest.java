package dev.outrigger.tls;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Key and certificate files as openssl, older openssl and cert-manager write them, each proven by a handshake on loopback. */
public class PemTlsTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private Path dir;
    private TestCertificates tls;

    @Before
    public void certificates() throws Exception {
        dir = folder.getRoot().toPath();
        tls = new TestCertificates(dir);
    }

    @Test
    public void aKeyAndItsCertificateInOneFileAsOpensslExportsThemFromAP12() throws Exception {
        // the server's key and certificate out of a .p12, with the "Bag Attributes" openssl writes around each
        openssl("pkcs12", "-export", "-in", tls.cert("server").toString(), "-inkey", tls.key("server").toString(),
                "-out", "server.p12", "-passout", "pass:x");
        openssl("pkcs12", "-in", "server.p12", "-passin", "pass:x", "-nodes", "-out", "server-both.pem");
        Path both = dir.resolve("server-both.pem");
        assertTrue(Files.readString(both).startsWith("Bag Attributes"));

        assertEquals("CN=127.0.0.1", handshake(tls.ca(), both, both));
    }

    @Test
    public void traditionalRsaAndEcKeysAsOlderOpensslAndCertManagerWriteThem() throws Exception {
        openssl("rsa", "-in", tls.key("server").toString(), "-traditional", "-out", "rsa.key");
        assertTrue(Files.readString(dir.resolve("rsa.key")).startsWith("-----BEGIN RSA PRIVATE KEY-----"));
        assertEquals("CN=127.0.0.1", handshake(tls.ca(), tls.cert("server"), dir.resolve("rsa.key")));

        openssl("ecparam", "-genkey", "-name", "prime256v1", "-out", "ec.key");
        openssl("req", "-x509", "-key", "ec.key", "-subj", "/CN=ec", "-days", "1", "-out", "ec.pem");
        assertTrue(Files.readString(dir.resolve("ec.key")).contains("-----BEGIN EC PRIVATE KEY-----"));
        assertEquals("CN=ec", handshake(dir.resolve("ec.pem"), dir.resolve("ec.pem"), dir.resolve("ec.key")));
    }

    @Test
    public void filesWithoutWhatTheyShouldHoldSaySo() throws Exception {
        GeneralSecurityException noCa = assertThrows(GeneralSecurityException.class,
                () -> PemTls.context(tls.key("server").toString(), "", ""));
        assertEquals(tls.key("server") + " holds no certificate (-----BEGIN CERTIFICATE-----)", noCa.getMessage());

        openssl("pkey", "-in", tls.key("server").toString(), "-aes256", "-passout", "pass:secret", "-out", "locked.key");
        String locked = dir.resolve("locked.key").toString();
        GeneralSecurityException withPassphrase = assertThrows(GeneralSecurityException.class,
                () -> PemTls.context("", tls.cert("server").toString(), locked));
        assertEquals(locked + " holds a key protected by a passphrase; write it without one: openssl pkey -in " + locked
                + " -out <new file>", withPassphrase.getMessage());
    }

    @Test
    public void aKeyOfAnotherCertificateIsSaidSo() throws Exception {
        TestCertificates other = new TestCertificates(Files.createDirectories(dir.resolve("other")));
        String key = other.key("server").toString();
        GeneralSecurityException mismatch = assertThrows(GeneralSecurityException.class,
                () -> PemTls.context("", tls.cert("server").toString(), key));
        assertEquals(key + " holds the key of another certificate than the one in " + tls.cert("server"), mismatch.getMessage());
    }

    /**
     * Files mounted from a Secret that cert-manager renews (Kubernetes swaps the link to the folder
     * that holds them): new clients get the new certificate without a restart, and files that do
     * not fit together leave the last usable ones in use.
     */
    @Test
    public void aRenewingServerPresentsWhatItsFilesHoldNowOrTheLastUsable() throws Exception {
        TestCertificates renewed = new TestCertificates(Files.createDirectories(dir.resolve("renewed")));
        Path trusted = Files.writeString(dir.resolve("both-cas.pem"), Files.readString(tls.ca()) + Files.readString(renewed.ca()));
        Path mount = Files.createDirectories(dir.resolve("mount"));
        secretHolds(mount, tls.cert("server"), tls.key("server"));
        Files.createSymbolicLink(mount.resolve("tls.crt"), Path.of("..data/tls.crt"));
        Files.createSymbolicLink(mount.resolve("tls.key"), Path.of("..data/tls.key"));
        List<String> said = new CopyOnWriteArrayList<>();
        SSLContext server = PemTls.renewing("", mount.resolve("tls.crt").toString(), mount.resolve("tls.key").toString(), said::add);
        assertEquals(certificate(tls.cert("server")), presented(server, trusted));

        secretHolds(mount, renewed.cert("server"), renewed.key("server"));
        assertEquals(certificate(renewed.cert("server")), presentedOnce(server, trusted, certificate(renewed.cert("server"))));

        secretHolds(mount, tls.cert("server"), renewed.key("server"));
        presentedOnce(server, trusted, null); // looked at the files again
        assertEquals(certificate(renewed.cert("server")), presented(server, trusted));
        assertEquals(List.of("TLS files changed but cannot be used (" + mount.resolve("tls.key") + " holds the key of another"
                + " certificate than the one in " + mount.resolve("tls.crt") + "); the previous ones stay in use"), said);
    }

    /** As the kubelet updates a Secret's volume: the files in a new folder, then the ..data link swapped to it at once. */
    private static void secretHolds(Path mount, Path cert, Path key) throws Exception {
        Path folder = Files.createTempDirectory(mount, "..data-");
        Files.copy(cert, folder.resolve("tls.crt"));
        Files.copy(key, folder.resolve("tls.key"));
        Path next = Files.createSymbolicLink(mount.resolve("..data_tmp"), folder.getFileName());
        Files.move(next, mount.resolve("..data"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Handshakes until the server presents {@code expected} (null: until it looked at its files
     * again, which it does once a second at most), for 5 s at most; returns what it presented last.
     */
    private static X509Certificate presentedOnce(SSLContext server, Path trusted, X509Certificate expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long lookedAgain = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1100);
        X509Certificate last;
        do {
            last = presented(server, trusted);
        } while ((expected == null ? System.nanoTime() < lookedAgain : !last.equals(expected)) && System.nanoTime() < deadline);
        return last;
    }

    /** The certificate a server with this context presents to a client trusting those CAs. */
    private static X509Certificate presented(SSLContext context, Path trusted) throws Exception {
        try (SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> accepted = CompletableFuture.runAsync(() -> {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    s.startHandshake();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SSLSocket client = (SSLSocket) PemTls.context(trusted.toString(), "", "").getSocketFactory()
                    .createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                client.startHandshake();
                accepted.get(10, TimeUnit.SECONDS);
                return (X509Certificate) client.getSession().getPeerCertificates()[0];
            }
        }
    }

    private static X509Certificate certificate(Path pem) throws Exception {
        try (var in = Files.newInputStream(pem)) {
            return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** The subject of the certificate a server with these files presents to a client trusting the CA. */
    private static String handshake(Path ca, Path cert, Path key) throws Exception {
        return presented(PemTls.context("", cert.toString(), key.toString()), ca).getSubjectX500Principal().getName();
    }

    private void openssl(String... args) throws Exception {
        TestCertificates.openssl(dir, args);
    }
}
