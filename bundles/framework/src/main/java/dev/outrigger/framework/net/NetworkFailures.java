package dev.outrigger.framework.net;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.util.Optional;

import javax.net.ssl.SSLException;

/**
 * Network failures in words, for a log line: the JDK's exceptions often carry no message at all
 * (a refused connection deep in an HTTP client) or only a host name (an unknown host), and the
 * libraries above them wrap them in messages of their own.
 */
public final class NetworkFailures {

    private NetworkFailures() {
    }

    /** What the first network failure among the causes means, if there is one. */
    public static Optional<String> inWords(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnknownHostException) {
                return Optional.of("unknown host " + t.getMessage());
            }
            if (t instanceof ConnectException) {
                return Optional.of("nothing listens there, or no route to it");
            }
            if (t instanceof SocketTimeoutException || t instanceof HttpTimeoutException) {
                return Optional.of("timed out");
            }
            if (t instanceof SSLException) {
                return Optional.of("TLS failed: " + t.getMessage());
            }
        }
        return Optional.empty();
    }
}
