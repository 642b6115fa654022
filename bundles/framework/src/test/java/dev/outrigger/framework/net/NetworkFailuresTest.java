package dev.outrigger.framework.net;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.ServerSocket;
import java.net.SocketException;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.Optional;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class NetworkFailuresTest {

    private static final String PASSWORD = "changeit";

    @Rule
    public final TemporaryFolder folder = new TemporaryFolder();

    /** A CA, and a server key with its signing request: each test has the CA sign it for other dates. */
    @ClassRule
    public static final TemporaryFolder keys = new TemporaryFolder();

    @BeforeClass
    public static void caAndServerKey() throws Exception {
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-dname", "CN=test ca", "-ext", "bc:c", "-keystore", "ca.p12");
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-file", "ca.crt");
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-dname", "CN=localhost", "-keystore", "server.p12");
        keytool("-certreq", "-alias", "server", "-keystore", "server.p12", "-file", "server.csr");
    }

    /** A car out of Wi-Fi range: a host on a network that no longer answers for it (its ARP unanswered). */
    @Test
    public void aHostOffTheNetworkHasNoRouteToIt() throws Exception {
        try (NetworkNamespace other = NetworkNamespace.create(); Socket s = new Socket()) {
            other.cut();
            s.connect(new InetSocketAddress(other.address, 1883), 10_000);
            throw new AssertionError("nobody answers for " + other.address);
        } catch (NoRouteToHostException unreachable) {
            assertEquals(Optional.of(NetworkFailures.NO_ROUTE),
                    NetworkFailures.inWords(new RuntimeException("Untranslated", unreachable)));
        }
        assertEquals(Optional.of(NetworkFailures.NO_ROUTE), NetworkFailures.inWords(new SocketException("Network is unreachable")));
    }

    /** A bridge bound to the address of a Wi-Fi that is not up yet at boot. */
    @Test
    public void aListenerOnAnAddressNoInterfaceHasSaysSo() throws Exception {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("192.0.2.1", 0)); // TEST-NET-1: on no interface here
            throw new AssertionError("bound to an address of no interface");
        } catch (BindException e) {
            assertEquals(Optional.of(NetworkFailures.NO_SUCH_ADDRESS), NetworkFailures.inWords(e));
        }
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()); ServerSocket s = new ServerSocket()) {
            s.bind(taken.getLocalSocketAddress());
            throw new AssertionError("bound to a port taken");
        } catch (BindException e) {
            assertEquals("a port taken says so itself", Optional.empty(), NetworkFailures.inWords(e));
        }
    }

    @Test
    public void aConnectionWhosePeerStoppedAnsweringSaysSo() {
        assertEquals(Optional.of("the other end stopped answering (its host off, or the network between gone)"),
                NetworkFailures.inWords(new IOException(new SocketException("Connection timed out"))));
    }

    @Test
    public void aRefusedConnectionWrappedWithoutMessages() throws Exception {
        int closed;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = probe.getLocalPort();
        }
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), closed)) {
            throw new AssertionError("nothing listens on " + closed);
        } catch (ConnectException refused) {
            assertEquals(Optional.of("nothing listens there, or no route to it"),
                    NetworkFailures.inWords(new RuntimeException("Operation failed.", new IOException(refused))));
        }
    }

    @Test
    public void aConnectionClosedByThePeerMidRead() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
            server.accept().close();
            new DataInputStream(client.getInputStream()).readFully(new byte[2]);
            throw new AssertionError("read past the end");
        } catch (EOFException closed) {
            assertEquals(Optional.of(NetworkFailures.CLOSED_BY_PEER),
                    NetworkFailures.inWords(new RuntimeException("Connection lost", closed)));
        }
    }

    @Test
    public void aConnectionResetByThePeer() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
            Socket accepted = server.accept();
            accepted.setSoLinger(true, 0); // closing sends a reset
            accepted.close();
            client.getInputStream().read();
            throw new AssertionError("read from a reset connection");
        } catch (SocketException reset) {
            assertEquals(reset.getMessage(), Optional.of(NetworkFailures.CLOSED_BY_PEER),
                    NetworkFailures.inWords(new RuntimeException("Connection lost", reset)));
        }
    }

    @Test
    public void hostsTlsAndTheRest() {
        assertEquals(Optional.of("unknown host broker.invalid"),
                NetworkFailures.inWords(new IOException(new UnknownHostException("broker.invalid"))));
        assertEquals(Optional.of("TLS failed: Remote host terminated the handshake"),
                NetworkFailures.inWords(new SSLHandshakeException("Remote host terminated the handshake")));
        assertEquals(Optional.of("not an address of a known host"),
                NetworkFailures.inWords(new java.nio.channels.UnresolvedAddressException()));
        assertEquals(Optional.empty(), NetworkFailures.inWords(new IOException("disk full")));
    }

    @Test
    public void aServerCertificateFromTheFutureAsksWhetherTheClockIsSet() throws Exception {
        String said = handshakeFailure("+1d").orElseThrow();
        assertTrue(said, said.startsWith("TLS failed: a certificate is not valid yet by this gateway's clock (now ")
                && said.contains("NotBefore") && said.endsWith("is the clock set?"));
    }

    @Test
    public void anExpiredServerCertificateSaysSo() throws Exception {
        String said = handshakeFailure("-60d").orElseThrow();
        assertTrue(said, said.startsWith("TLS failed: a certificate has expired by this gateway's clock"));
    }

    /** A real handshake with a server whose certificate, signed by a trusted CA, starts on that day. */
    private Optional<String> handshakeFailure(String startDate) throws Exception {
        Path dir = keys.getRoot().toPath();
        Path certificate = folder.newFile("server.crt").toPath();
        keytool("-gencert", "-alias", "ca", "-keystore", "ca.p12", "-infile", "server.csr", "-outfile",
                certificate.toString(), "-startdate", startDate, "-validity", "30");

        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        Certificate ca;
        try (InputStream in = Files.newInputStream(dir.resolve("ca.crt"))) {
            ca = x509.generateCertificate(in);
        }
        KeyStore serverKeys = KeyStore.getInstance(dir.resolve("server.p12").toFile(), PASSWORD.toCharArray());
        try (InputStream in = Files.newInputStream(certificate)) {
            serverKeys.setKeyEntry("server", serverKeys.getKey("server", PASSWORD.toCharArray()), PASSWORD.toCharArray(),
                    new Certificate[] { x509.generateCertificate(in), ca });
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(serverKeys, PASSWORD.toCharArray());
        SSLContext server = SSLContext.getInstance("TLS");
        server.init(keyManagers.getKeyManagers(), null, null);

        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        trusted.setCertificateEntry("ca", ca);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, trust.getTrustManagers(), null);

        try (SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0, 1,
                InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> accepted = CompletableFuture.runAsync(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                    s.startHandshake();
                } catch (IOException expected) {
                    // the client refuses the certificate
                }
            });
            try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
                    listener.getLocalPort())) {
                s.startHandshake();
                throw new AssertionError("the handshake succeeded");
            } catch (SSLHandshakeException refused) {
                return NetworkFailures.inWords(new IOException("connect failed", refused));
            } finally {
                accepted.get(10, TimeUnit.SECONDS);
            }
        }
    }

    private static void keytool(String... arguments) throws Exception {
        // a JVM each: the quick compiler and no GC threads to spare CPU, as the gateway itself runs
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-J-XX:-UsePerfData"));
        command.addAll(List.of(arguments));
        command.addAll(List.of("-storepass", PASSWORD, "-storetype", "PKCS12"));
        Process p = new ProcessBuilder(command).directory(keys.getRoot()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(output, p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(String.join(" ", arguments) + ": " + output, 0, p.exitValue());
    }
}
