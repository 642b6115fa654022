package dev.outrigger.broker;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The broker as a component: listening while the bundle is active. A configuration change that
 * alters a setting restarts it (connected clients reconnect, as after any broker restart); one that
 * does not, such as the feature's defaults arriving after the start, leaves clients alone.
 */
@Component(service = EmbeddedBroker.class, immediate = true, configurationPid = "dev.outrigger.broker",
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = BrokerConfig.class)
public class EmbeddedBroker {

    private volatile MqttBroker broker;

    @Activate
    public EmbeddedBroker(BrokerConfig config) {
        broker = new MqttBroker(settings(config));
        broker.start();
    }

    @Modified
    void modified(BrokerConfig config) {
        MqttBroker.Settings wanted = settings(config);
        if (!wanted.equals(broker.settings())) {
            broker.close();
            broker = new MqttBroker(wanted);
            broker.start();
        }
    }

    private static MqttBroker.Settings settings(BrokerConfig config) {
        return new MqttBroker.Settings(config.bind(), config.port(), config.maxClients(),
                config.maxPacketKilobytes() * 1024, config.maxQueuedPerClient(), config.maxRetainedMegabytes() * 1024L * 1024,
                config.maxSessionExpiryHours() * 3600L,
                new MqttBroker.Access(config.passwordFile().strip(), config.tlsCertFile().strip(), config.tlsKeyFile().strip(),
                        config.tlsClientCaFile().strip(), config.aclFile().strip()));
    }

    MqttBroker broker() {
        return broker;
    }

    @Deactivate
    void stop() {
        broker.close();
    }
}
