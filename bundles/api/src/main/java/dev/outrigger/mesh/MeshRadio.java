package dev.outrigger.mesh;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/** One Meshtastic radio attached to the gateway, registered while its configuration exists. */
@ProviderType
public interface MeshRadio {

    /** Where the radio is: {@code host:port} or a device path. */
    String address();

    /** {@code connecting}, {@code configuring}, {@code live} or {@code backoff}. */
    String state();

    /** The radio's own node, once the handshake told. */
    Optional<MeshNode> self();

    /** Every node heard (the radio's own included), most recently heard first. */
    List<MeshNode> nodes();

    /** Firmware, region and preset, channels: what {@code mesh:info} shows. */
    List<String> describe();

    /**
     * A channel's index, from its index or its name as the radio reports it (case aside), as people
     * know their channels ("Family", "1").
     *
     * @throws IllegalArgumentException for a name the radio has no channel of, saying which it has
     */
    int channel(String indexOrName);

    /**
     * Sends text with want_ack, to a node or (empty) to everyone on the channel.
     *
     * @throws IllegalStateException when the radio is not live, or its transmit queue is full
     * @throws IllegalArgumentException for an empty text, one over 200 bytes, or a channel outside 0 to 7
     */
    Sending send(String text, OptionalLong to, int channel);

    /**
     * Asks a node for the way to it and back (Meshtastic's traceroute). The stage completes with the
     * node's answer, or exceptionally with why there is none: a Routing error for the request, or no
     * answer within the radio's acknowledgement timeout.
     *
     * @throws IllegalStateException when the radio is not live, or its transmit queue is full
     * @throws IllegalArgumentException for a channel outside 0 to 7
     */
    CompletionStage<Route> traceroute(long to, int channel);

    /**
     * A traceroute's answer: the hops from this radio's node to the node asked, and back, ends
     * included (no way back from firmware before 2.3).
     */
    record Route(List<Hop> towards, List<Hop> back) {
    }

    /** @param snr the SNR in dB at which this hop heard the one before it; null for the first, or not measured */
    record Hop(long num, Float snr) {
    }

    /** A text handed to the radio: its packet id, and how its delivery ended. */
    record Sending(long packetId, CompletionStage<Delivery> delivery) {
    }

    enum Outcome {
        /** The destination acknowledged it. */
        ACKED,
        /** A broadcast, or a direct message, heard rebroadcast by another node. */
        IMPLICITLY_ACKED,
        /** The radio or the mesh reported an error (see the reason). */
        FAILED
    }

    /** @param reason the Routing error or why it could not be sent; empty when delivered */
    record Delivery(long packetId, Outcome outcome, String reason) {
    }

    /**
     * A node of the mesh as last heard. Numbers that were never reported are null.
     *
     * @param id         {@code !xxxxxxxx}, the node number in hex
     * @param lastHeard  epoch seconds
     */
    record MeshNode(long num, String id, String longName, String shortName, String hardware, String role,
            long lastHeard, Float snr, Integer rssi, Integer hopsAway, Integer batteryLevel, Float voltage,
            Double latitude, Double longitude, Integer altitude) {

        public static String id(long num) {
            String hex = Long.toHexString(num & 0xffffffffL);
            return "!00000000".substring(0, 9 - hex.length()) + hex;
        }
    }
}
