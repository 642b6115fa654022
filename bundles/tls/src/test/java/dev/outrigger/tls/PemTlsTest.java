package dev.outrigger.tls;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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

    /** The subject of the certificate a server with these files presents to a client trusting the CA. */
    private static String handshake(Path ca, Path cert, Path key) throws Exception {
        try (SSLServerSocket server = (SSLServerSocket) PemTls.context("", cert.toString(), key.toString())
                .getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> accepted = CompletableFuture.runAsync(() -> {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    s.startHandshake();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SSLSocket client = (SSLSocket) PemTls.context(ca.toString(), "", "").getSocketFactory()
                    .createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                client.startHandshake();
                accepted.get(10, TimeUnit.SECONDS);
                return ((X509Certificate) client.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
            }
        }
    }

    private void openssl(String... args) throws Exception {
        TestCertificates.openssl(dir, args);
    }
}
