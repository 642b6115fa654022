package dev.outrigger.mqtt;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Outrigger MQTT", description = "The broker the gateway publishes to and takes commands from.")
public @interface MqttConfig {

    @AttributeDefinition(description = "tcp://host:1883, or ssl://host:8883 with TLS")
    String broker() default "tcp://127.0.0.1:1883";

    @AttributeDefinition(required = false, description = "Topic root; topics are <root>/<gatewayId>/...")
    String root() default "outrigger";

    @AttributeDefinition(required = false, description = "Gateway id in topics (default: the host name)")
    String gatewayId() default "";

    @AttributeDefinition(required = false, description = "MQTT client id (default: outrigger-<gatewayId>)")
    String clientId() default "";

    @AttributeDefinition(required = false)
    String username() default "";

    @AttributeDefinition(required = false, description = "File holding the password (e.g. a mounted Secret)")
    String passwordFile() default "";

    @AttributeDefinition(required = false, description = "Environment variable holding the password")
    String passwordEnv() default "";

    @AttributeDefinition(required = false, description = "PEM file of the CA(s) to trust for ssl:// (default: the JVM's)")
    String caFile() default "";

    @AttributeDefinition(required = false, description = "PEM client certificate, for brokers that authenticate clients by certificate")
    String certFile() default "";

    @AttributeDefinition(required = false, description = "PEM (PKCS#8) private key of the client certificate")
    String keyFile() default "";

    @AttributeDefinition(min = "0", max = "65535")
    int keepAliveSeconds() default 30;

    @AttributeDefinition(min = "1", max = "300", description = "For the TCP connection; the broker's answer may take 5 s more")
    int connectTimeoutSeconds() default 10;

    @AttributeDefinition(min = "1", max = "65535", description = "Records published and not yet acknowledged, at most")
    int inflight() default 64;

    @AttributeDefinition(min = "10")
    int reconnectMinMillis() default 500;

    @AttributeDefinition(min = "100")
    int reconnectMaxMillis() default 60000;
}
