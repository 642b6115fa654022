package dev.outrigger.mqtt;

import java.util.Locale;

/** MQTT 5 failure reason codes as the specification names them, with the code for a search. */
final class ReasonCodes {

    private ReasonCodes() {
    }

    /**
     * Whether a publication refused with this code may be taken later: the broker's ACL changed, its
     * quota or load passed. Others (a topic or payload it never takes) are final.
     */
    static boolean mayPass(int code) {
        return code == 0x87 || code == 0x89 || code == 0x96 || code == 0x97;
    }

    static String inWords(int code) {
        String name = switch (code) {
            case 0x80 -> "unspecified error";
            case 0x81 -> "malformed packet";
            case 0x82 -> "protocol error";
            case 0x83 -> "implementation specific error";
            case 0x87 -> "not authorized";
            case 0x89 -> "server busy";
            case 0x8F -> "topic filter invalid";
            case 0x90 -> "topic name invalid";
            case 0x91 -> "packet identifier in use";
            case 0x93 -> "receive maximum exceeded";
            case 0x95 -> "packet too large";
            case 0x96 -> "message rate too high";
            case 0x97 -> "quota exceeded";
            case 0x98 -> "administrative action";
            case 0x99 -> "payload format invalid";
            case 0x9A -> "retain not supported";
            case 0x9B -> "QoS not supported";
            case 0x9E -> "shared subscriptions not supported";
            case 0xA1 -> "subscription identifiers not supported";
            case 0xA2 -> "wildcard subscriptions not supported";
            default -> "reason code";
        };
        return String.format(Locale.ROOT, "%s, 0x%02x", name, code);
    }
}
