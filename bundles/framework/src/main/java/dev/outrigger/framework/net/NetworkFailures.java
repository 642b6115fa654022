package dev.outrigger.framework.net;

import java.io.EOFException;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

import javax.net.ssl.SSLException;

/**
 * Network failures in words, for a log line: the JDK's exceptions often carry no message at all
 * (a refused connection deep in an HTTP client) or only a host name (an unknown host), and the
 * libraries above them wrap them in messages of their own.
 */
public final class NetworkFailures {

    /**
     * A stream read to its end mid-message, or reset, or a pipe broken: the peer stopped,
     * restarted, or dropped this client.
     */
    public static final String CLOSED_BY_PEER = "the other end closed the connection";

    /** A peer that answered no keep-alive probe: its host lost power or left the network, without a word. */
    public static final String STOPPED_ANSWERING = "the other end stopped answering (its host off, or the network between gone)";

    /** The host's network is down (a car out of Wi-Fi range), or the host is not on it (ARP unanswered). */
    static final String NO_ROUTE = "no route to it: the network is down, or the host is not on it";

    /** A listener bound to an address of an interface that is not up yet (Wi-Fi at boot), or of none. */
    static final String NO_SUCH_ADDRESS = "no interface of this host has that address (not yet, or a mistyped one)";

    private NetworkFailures() {
    }

    /** What the first network failure among the causes means, if there is one. */
    public static Optional<String> inWords(Throwable e) {
        Optional<String> clock = certificateOutOfDate(e);
        if (clock.isPresent()) {
            return clock;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnknownHostException) {
                return Optional.of("unknown host " + t.getMessage());
            }
            if (t instanceof UnresolvedAddressException) {
                return Optional.of("not an address of a known host");
            }
            if (noRoute(t)) {
                return Optional.of(NO_ROUTE);
            }
            if (t instanceof BindException && "Cannot assign requested address".equals(t.getMessage())) {
                return Optional.of(NO_SUCH_ADDRESS);
            }
            if (t instanceof ConnectException) {
                return Optional.of("nothing listens there, or no route to it");
            }
            if (t instanceof IOException io && KeepAlive.expired(io)) {
                return Optional.of(STOPPED_ANSWERING);
            }
            if (t instanceof SocketTimeoutException || t instanceof HttpTimeoutException) {
                return Optional.of("timed out");
            }
            if (t instanceof SSLException) {
                return Optional.of("TLS failed: " + t.getMessage());
            }
            if (t instanceof EOFException || t instanceof SocketException && t.getMessage() != null
                    && (t.getMessage().startsWith("Connection reset") || t.getMessage().startsWith("Broken pipe"))) {
                return Optional.of(CLOSED_BY_PEER);
            }
        }
        return Optional.empty();
    }

    /** Whether the failure is the network's or the host's absence from it, not the host's answer. */
    public static boolean noRoute(Throwable t) {
        return t instanceof NoRouteToHostException
                || t instanceof SocketException && "Network is unreachable".equals(t.getMessage());
    }

    /**
     * A certificate outside its validity at this gateway's clock: on an edge node more often the
     * clock than the certificate (a Raspberry Pi has no real-time clock, and starts in the past
     * until NTP answers). Deep in the causes, behind a message about path validation.
     */
    private static Optional<String> certificateOutOfDate(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateNotYetValidException || t instanceof CertificateExpiredException) {
                String state = t instanceof CertificateExpiredException ? "has expired" : "is not valid yet";
                return Optional.of("TLS failed: a certificate " + state + " by this gateway's clock (now "
                        + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "; " + t.getMessage() + "): is the clock set?");
            }
        }
        return Optional.empty();
    }
}
