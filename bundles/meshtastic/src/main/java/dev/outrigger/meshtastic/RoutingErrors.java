package dev.outrigger.meshtastic;

/**
 * The mesh's Routing error codes in words, for people at the shell; MQTT replies and records keep
 * the bare code, which is what programs match on.
 */
final class RoutingErrors {

    private RoutingErrors() {
    }

    /** {@code NO_ROUTE (the mesh knows no route to that node)}; a reason that is no code, as it is. */
    static String explain(String reason) {
        String meaning = switch (reason) {
            case "NO_ROUTE" -> "the mesh knows no route to that node";
            case "GOT_NAK" -> "the node refused it";
            case "TIMEOUT", "MAX_RETRANSMIT" -> "no acknowledgement, after every retransmission";
            case "NO_INTERFACE" -> "the radio has no interface to send it on";
            case "NO_CHANNEL" -> "the radio has no such channel";
            case "TOO_LARGE" -> "too large for one packet";
            case "NO_RESPONSE" -> "the node did not answer";
            case "DUTY_CYCLE_LIMIT" -> "the region's duty cycle is used up: try again later";
            case "RATE_LIMIT_EXCEEDED" -> "sent too often: try again later";
            case "BAD_REQUEST" -> "the node did not understand it";
            case "NOT_AUTHORIZED", "ADMIN_BAD_SESSION_KEY", "ADMIN_PUBLIC_KEY_UNAUTHORIZED" -> "not authorised on that node";
            case "PKI_FAILED" -> "encrypting to the node's public key failed";
            case "PKI_UNKNOWN_PUBKEY" -> "the node's public key is not known yet: wait until its node info is heard";
            default -> "";
        };
        return meaning.isEmpty() ? reason : reason + " (" + meaning + ")";
    }
}
