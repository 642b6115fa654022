package dev.outrigger.mqtt;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;

import javax.net.ssl.HandshakeCompletedListener;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * TLS sockets for Paho that settle like {@link SettlingSocketFactory}'s: a TLS-terminating proxy
 * before a broker that is down completes the handshake and hangs up, which costs Paho 1.2.5 a
 * thread per attempt as a plain proxy does. Paho creates the socket unconnected, connects it, and
 * only then configures TLS and shakes hands; so connecting opens a plain socket and layers TLS over
 * it, and all that follows goes to that layer, the decrypted input through {@link
 * SettlingSocketFactory.SettlingInput}.
 */
final class SettlingTlsSocketFactory extends SSLSocketFactory {

    private final SSLSocketFactory tls;
    private final AttemptSockets attempt;

    SettlingTlsSocketFactory(SSLSocketFactory tls, AttemptSockets attempt) {
        this.tls = tls;
        this.attempt = attempt;
    }

    @Override
    public Socket createSocket() throws IOException {
        return attempt.add(new SettlingTlsSocket(tls));
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return SettlingSocketFactory.connected(this, new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return SettlingSocketFactory.connected(this, new InetSocketAddress(host, port),
                new InetSocketAddress(localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return SettlingSocketFactory.connected(this, new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return SettlingSocketFactory.connected(this, new InetSocketAddress(address, port),
                new InetSocketAddress(localAddress, localPort));
    }

    /** Over a socket someone else connected: TLS as it is, nothing of ours to settle. */
    @Override
    public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
        return tls.createSocket(socket, host, port, autoClose);
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return tls.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return tls.getSupportedCipherSuites();
    }


    private static final class SettlingTlsSocket extends SSLSocket {
        private final SSLSocketFactory tls;
        private final Socket plain = new Socket();
        private volatile SSLSocket layer;
        private InputStream in;

        SettlingTlsSocket(SSLSocketFactory tls) {
            this.tls = tls;
        }

        private SSLSocket layer() {
            SSLSocket l = layer;
            if (l == null) {
                throw new IllegalStateException("not connected");
            }
            return l;
        }

        @Override
        public void bind(SocketAddress local) throws IOException {
            plain.bind(local);
        }

        @Override
        public void connect(SocketAddress remote) throws IOException {
            connect(remote, 0);
        }

        @Override
        public void connect(SocketAddress remote, int timeoutMillis) throws IOException {
            plain.connect(remote, timeoutMillis);
            InetSocketAddress address = (InetSocketAddress) remote;
            // the host name as given: the name the handshake sends (SNI) and the certificate must match
            layer = (SSLSocket) tls.createSocket(plain, address.getHostString(), address.getPort(), true);
        }

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (in == null) {
                in = new SettlingSocketFactory.SettlingInput(layer().getInputStream());
            }
            return in;
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            return layer().getOutputStream();
        }

        @Override
        public void close() throws IOException {
            SSLSocket l = layer;
            if (l != null) {
                l.close(); // and the plain socket under it
            } else {
                plain.close();
            }
        }

        @Override
        public boolean isConnected() {
            return plain.isConnected();
        }

        @Override
        public boolean isClosed() {
            return plain.isClosed();
        }

        @Override
        public void shutdownInput() throws IOException {
            layer().shutdownInput();
        }

        @Override
        public void shutdownOutput() throws IOException {
            layer().shutdownOutput();
        }

        @Override
        public void setSoTimeout(int timeoutMillis) throws SocketException {
            plain.setSoTimeout(timeoutMillis);
        }

        @Override
        public int getSoTimeout() throws SocketException {
            return plain.getSoTimeout();
        }

        @Override
        public InetAddress getInetAddress() {
            return plain.getInetAddress();
        }

        @Override
        public int getPort() {
            return plain.getPort();
        }

        @Override
        public InetAddress getLocalAddress() {
            return plain.getLocalAddress();
        }

        @Override
        public int getLocalPort() {
            return plain.getLocalPort();
        }

        @Override
        public SocketAddress getRemoteSocketAddress() {
            return plain.getRemoteSocketAddress();
        }

        @Override
        public SocketAddress getLocalSocketAddress() {
            return plain.getLocalSocketAddress();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return layer().getSupportedCipherSuites();
        }

        @Override
        public String[] getEnabledCipherSuites() {
            return layer().getEnabledCipherSuites();
        }

        @Override
        public void setEnabledCipherSuites(String[] suites) {
            layer().setEnabledCipherSuites(suites);
        }

        @Override
        public String[] getSupportedProtocols() {
            return layer().getSupportedProtocols();
        }

        @Override
        public String[] getEnabledProtocols() {
            return layer().getEnabledProtocols();
        }

        @Override
        public void setEnabledProtocols(String[] protocols) {
            layer().setEnabledProtocols(protocols);
        }

        @Override
        public SSLSession getSession() {
            return layer().getSession();
        }

        @Override
        public SSLSession getHandshakeSession() {
            return layer().getHandshakeSession();
        }

        @Override
        public SSLParameters getSSLParameters() {
            return layer().getSSLParameters();
        }

        @Override
        public void setSSLParameters(SSLParameters parameters) {
            layer().setSSLParameters(parameters);
        }

        @Override
        public String getApplicationProtocol() {
            return layer().getApplicationProtocol();
        }

        @Override
        public void addHandshakeCompletedListener(HandshakeCompletedListener listener) {
            layer().addHandshakeCompletedListener(listener);
        }

        @Override
        public void removeHandshakeCompletedListener(HandshakeCompletedListener listener) {
            layer().removeHandshakeCompletedListener(listener);
        }

        @Override
        public void startHandshake() throws IOException {
            layer().startHandshake();
        }

        @Override
        public void setUseClientMode(boolean client) {
            layer().setUseClientMode(client);
        }

        @Override
        public boolean getUseClientMode() {
            return layer().getUseClientMode();
        }

        @Override
        public void setNeedClientAuth(boolean need) {
            layer().setNeedClientAuth(need);
        }

        @Override
        public boolean getNeedClientAuth() {
            return layer().getNeedClientAuth();
        }

        @Override
        public void setWantClientAuth(boolean want) {
            layer().setWantClientAuth(want);
        }

        @Override
        public boolean getWantClientAuth() {
            return layer().getWantClientAuth();
        }

        @Override
        public void setEnableSessionCreation(boolean enable) {
            layer().setEnableSessionCreation(enable);
        }

        @Override
        public boolean getEnableSessionCreation() {
            return layer().getEnableSessionCreation();
        }

        @Override
        public String toString() {
            SSLSocket l = layer;
            return l != null ? l.toString() : plain.toString();
        }
    }
}
