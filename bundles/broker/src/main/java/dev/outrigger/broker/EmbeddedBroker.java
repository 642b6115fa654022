package dev.outrigger.broker;

import java.nio.file.Path;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;

import dev.outrigger.framework.files.DataFolder;
import dev.outrigger.health.ProblemSource;

/**
 * The broker as a component: listening while the bundle is active. A configuration change that
 * alters a setting restarts it (connected clients reconnect, as after any broker restart, and find
 * the retained messages again); one that does not, such as the feature's defaults arriving after
 * the start, leaves clients alone. One that cannot listen (its port taken, its TLS files unusable)
 * is a problem of the runtime's health: the gateway's own uplink and its local clients need it.
 */
@Component(service = { EmbeddedBroker.class, ProblemSource.class }, immediate = true, configurationPid = "dev.outrigger.broker",
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = BrokerConfig.class)
public class EmbeddedBroker implements ProblemSource {

    private final Path storeFile;
    private volatile MqttBroker broker;
    private boolean persistence;
    private BrokerStore store;

    @Activate
    public EmbeddedBroker(BundleContext context, BrokerConfig config) {
        storeFile = DataFolder.of(context).resolve("broker/broker.mv.db");
        start(config);
    }

    @Modified
    synchronized void modified(BrokerConfig config) {
        if (!settings(config).equals(broker.settings()) || config.persistence() != persistence) {
            stop();
            start(config);
        }
    }

    private synchronized void start(BrokerConfig config) {
        persistence = config.persistence();
        store = persistence ? BrokerStore.open(storeFile) : BrokerStore.none();
        broker = new MqttBroker(settings(config), store);
        broker.start();
    }

    private static MqttBroker.Settings settings(BrokerConfig config) {
        return new MqttBroker.Settings(config.bind(), config.port(), config.maxClients(),
                config.maxPacketKilobytes() * 1024, config.maxQueuedPerClient(), config.maxRetainedMegabytes() * 1024L * 1024,
                config.maxSessionExpiryHours() * 3600L, config.autosaveSeconds(),
                new MqttBroker.Access(config.passwordFile().strip(), config.tlsCertFile().strip(), config.tlsKeyFile().strip(),
                        config.tlsClientCaFile().strip(), config.aclFile().strip()));
    }

    @Override
    public List<String> problems() {
        return broker.notListening().stream().toList();
    }

    MqttBroker broker() {
        return broker;
    }

    @Deactivate
    synchronized void stop() {
        broker.close();
        store.close();
    }
}
