package dev.outrigger.mqtt;

import java.util.Optional;

import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.packet.MqttReturnCode;

import dev.outrigger.framework.net.NetworkFailures;

/** Why a connection to the broker failed or ended, in the words of a person who can fix it. */
final class ConnectionFailures {

    private ConnectionFailures() {
    }

    /**
     * Why a connection attempt failed. One the other end closed before its CONNACK is said as
     * such, whichever way the end showed (end of stream, reset, broken pipe), so the line is logged
     * once, naming what causes it: mosquitto's TLS listener closes a connection that does not speak
     * TLS, its plain one a connection that does. So is an answer that is no MQTT packet: another
     * service's greeting (an SSH server's, say).
     *
     * @param tls whether the attempt was over TLS ({@code ssl://}, {@code wss://})
     */
    static String attempt(Throwable e, boolean tls) {
        String otherPort = tls ? "plain MQTT (tcp://, as 1883 usually is)" : "TLS (ssl://, as 8883 usually is)";
        if (e instanceof MqttException m && m.getReasonCode() == MqttException.REASON_CODE_MALFORMED_PACKET) {
            return "the answer is no MQTT packet: is that port another service's" + (tls ? "?" : ", or " + otherPort + "?");
        }
        Optional<String> network = NetworkFailures.inWords(e);
        if (e instanceof MqttException m && (network.isEmpty() && m.getReasonCode() == MqttClientException.REASON_CODE_CONNECTION_LOST
                || network.equals(Optional.of(NetworkFailures.CLOSED_BY_PEER)))) {
            return "the connection was closed before the broker answered: is that port " + otherPort + ", or no"
                    + " MQTT broker's? Or does the broker refuse this client before MQTT (its max_connections)?";
        }
        return message(e);
    }

    /** The broker's DISCONNECT in words: its reason string is optional, its reason code is not. */
    static String disconnect(MqttDisconnectResponse response, String clientId) {
        String reason = response.getReasonString() == null ? "" : " (" + response.getReasonString() + ")";
        return switch (response.getReturnCode()) {
            case MqttReturnCode.RETURN_CODE_SESSION_TAKEN_OVER -> "another client connected with the same client id "
                    + clientId + ": two gateways with one gatewayId? (hosts named alike, e.g. Raspberry Pi OS's "
                    + "raspberrypi: set gatewayId)";
            case MqttReturnCode.RETURN_CODE_SERVER_SHUTTING_DOWN -> "the broker is shutting down";
            case MqttReturnCode.RETURN_CODE_KEEP_ALIVE_TIMEOUT -> "the broker heard nothing within the keep-alive";
            case MqttReturnCode.RETURN_CODE_NOT_AUTHORIZED -> "not authorized" + reason;
            case MqttReturnCode.RETURN_CODE_PACKET_TOO_LARGE -> "a packet was too large for the broker" + reason;
            default -> "the broker disconnected it (" + ReasonCodes.inWords(response.getReturnCode()) + ")" + reason;
        };
    }

    /** A failure of the network, of TLS or of MQTT, with what to check where that is known. */
    static String message(Throwable e) {
        Optional<String> network = NetworkFailures.inWords(e);
        if (network.isPresent()) {
            String failure = network.get();
            if (failure.contains("subject alternative names") || failure.contains("No name matching")) {
                return failure + " (the broker's certificate is for another name: give broker the name it was issued for)";
            }
            return failure + (failure.startsWith("TLS")
                    ? " (does the broker speak TLS on that port, with a certificate the CA signed?)" : "");
        }
        if (e instanceof MqttException m && m.getReasonCode() == MqttException.REASON_CODE_INVALID_RETURN_CODE) {
            // reason codes the spec does not allow there, which Paho takes for a protocol error
            return "the broker answered with a reason code the MQTT client does not take there (mosquitto does so for a "
                    + "message over its message_size_limit, and for a connection whose last will is above its max_qos)";
        }
        Throwable cause = e.getCause() != null && e.getCause() != e ? e.getCause() : null;
        String text = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return cause == null ? text : text + " (" + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage()) + ")";
    }
}
