package dev.outrigger.broker;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Outrigger embedded MQTT broker",
        description = "A small MQTT 5 / 3.1.1 broker for the out-of-the-box default. Keep it on loopback, or give it a password file; production points the gateway at a real broker.")
public @interface BrokerConfig {

    @AttributeDefinition(description = "Address to listen on (loopback unless you mean otherwise; then set a password file)")
    String bind() default "127.0.0.1";

    @AttributeDefinition(min = "0", max = "65535")
    int port() default 1883;

    @AttributeDefinition(min = "1", max = "10000", description = "Connected clients at most; more are refused")
    int maxClients() default 32;

    @AttributeDefinition(min = "1", max = "65536", description = "Largest packet accepted (and announced to MQTT 5 clients), in KiB")
    int maxPacketKilobytes() default 256;

    @AttributeDefinition(min = "1", max = "1000000",
            description = "QoS 1 messages waiting per slow or disconnected client before further ones are dropped (counted)")
    int maxQueuedPerClient() default 1000;

    @AttributeDefinition(min = "1", max = "4096", description = "Retained payloads at most, in MiB; beyond, further topics are not retained (logged)")
    int maxRetainedMegabytes() default 16;

    @AttributeDefinition(description = "Keep retained messages (as they change) and persistent sessions (autosaveSeconds, and at stop)"
            + " on disk in data/broker/broker.mv.db, so that they outlive a restart of the broker or the gateway, as mosquitto's"
            + " persistence does; false: in memory only")
    boolean persistence() default true;

    @AttributeDefinition(min = "1", max = "86400", description = "Seconds between saves of the persistent sessions that"
            + " changed (nothing is written while none did): what a killed process or a power cut loses of them at most")
    int autosaveSeconds() default 10;

    @AttributeDefinition(min = "0", max = "8760", description = "The longest a persistent session (MQTT 3 clean session off,"
            + " MQTT 5 session expiry) is kept for a disconnected client, in hours; 0: sessions end with their connection")
    int maxSessionExpiryHours() default 24;

    @AttributeDefinition(required = false, description = "mosquitto_passwd password file: when set, clients must give a user"
            + " name and password listed there (read again when it changes); empty: anyone connects")
    String passwordFile() default "";

    @AttributeDefinition(required = false, description = "mosquitto ACL file: when set, clients publish and read only the"
            + " topics it grants them (read again when it changes); empty: every topic is open to every client")
    String aclFile() default "";

    @AttributeDefinition(required = false, description = "PEM certificate (chain) of the listener: TLS instead of plain MQTT")
    String tlsCertFile() default "";

    @AttributeDefinition(required = false, description = "PKCS#8 PEM private key of that certificate")
    String tlsKeyFile() default "";

    @AttributeDefinition(required = false,
            description = "PEM CA certificates: when set, clients must present a certificate they signed")
    String tlsClientCaFile() default "";
}
