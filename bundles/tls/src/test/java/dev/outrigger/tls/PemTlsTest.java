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

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class PemTlsTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void aKeyAndItsCertificateInOneFileAsOpensslExportsThemFromAP12() throws Exception {
        Path dir = folder.getRoot().toPath();
        TestCertificates tls = new TestCertificates(dir);
        // the server's key and certificate out of a .p12, with the "Bag Attributes" openssl writes around each
        TestCertificates.openssl(dir, "pkcs12", "-export", "-in", tls.cert("server").toString(), "-inkey",
                tls.key("server").toString(), "-out", "server.p12", "-passout", "pass:x");
        TestCertificates.openssl(dir, "pkcs12", "-in", "server.p12", "-passin", "pass:x", "-nodes", "-out", "server-both.pem");
        Path both = dir.resolve("server-both.pem");
        assertTrue(Files.readString(both).startsWith("Bag Attributes"));

        try (SSLServerSocket server = (SSLServerSocket) PemTls.context("", both.toString(), both.toString())
                .getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> accepted = CompletableFuture.runAsync(() -> {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    s.startHandshake();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SSLSocket client = (SSLSocket) PemTls.context(tls.ca().toString(), "", "").getSocketFactory()
                    .createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                client.startHandshake();
                X509Certificate presented = (X509Certificate) client.getSession().getPeerCertificates()[0];
                assertEquals("CN=127.0.0.1", presented.getSubjectX500Principal().getName());
            }
            accepted.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    public void filesWithoutWhatTheyShouldHoldSaySo() throws Exception {
        Path dir = folder.getRoot().toPath();
        TestCertificates tls = new TestCertificates(dir);
        GeneralSecurityException noCa = assertThrows(GeneralSecurityException.class,
                () -> PemTls.context(tls.key("server").toString(), "", ""));
        assertEquals(tls.key("server") + " holds no certificate (-----BEGIN CERTIFICATE-----)", noCa.getMessage());

        TestCertificates.openssl(dir, "rsa", "-in", tls.key("server").toString(), "-traditional", "-out", "traditional.key");
        GeneralSecurityException notPkcs8 = assertThrows(GeneralSecurityException.class,
                () -> PemTls.context("", tls.cert("server").toString(), dir.resolve("traditional.key").toString()));
        assertTrue(notPkcs8.getMessage(), notPkcs8.getMessage().endsWith(
                "traditional.key holds no PKCS#8 key (-----BEGIN PRIVATE KEY-----); convert it with openssl pkcs8 -topk8 -nocrypt, "
                + "or have cert-manager write one (privateKey.encoding: PKCS8)"));
    }
}
