package dev.outrigger.outbox;

/** A record was not accepted; nothing was stored. The message says why. */
public class OutboxException extends Exception {

    private static final long serialVersionUID = 1L;

    public OutboxException(String message) {
        super(message);
    }

    public OutboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
