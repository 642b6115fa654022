package dev.outrigger.broker;

import java.net.InetSocketAddress;
import java.util.Comparator;
import java.util.Locale;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.outrigger.framework.table.Table;

/** Gogo {@code broker:status}. */
@Component(service = BrokerCommands.class, property = { "osgi.command.scope=broker", "osgi.command.function=status" })
public class BrokerCommands {

    @Reference
    private EmbeddedBroker embedded;

    @Descriptor("the embedded broker: address, counters, connected clients")
    public String status() {
        MqttBroker broker = embedded.broker();
        MqttBroker.Settings settings = broker.settings();
        InetSocketAddress address = broker.address();
        MqttBroker.Stats stats = broker.stats();
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "listening   %s%n", address == null
                ? "no: " + broker.notListening().orElse("starting on " + settings.bind() + ":" + settings.port())
                        + "; retrying"
                : address.getHostString() + ":" + address.getPort()));
        out.append(String.format(Locale.ROOT, "clients     %d (at most %d)%n", stats.clients(), settings.maxClients()));
        MqttBroker.Access access = settings.access();
        out.append(String.format(Locale.ROOT, "tls         %s%n", !access.tls() ? "no" : access.tlsClientCaFile().isEmpty() ? "yes"
                : "yes, client certificates signed by " + access.tlsClientCaFile()));
        out.append(String.format(Locale.ROOT, "users       %s%n", access.passwordFile().isEmpty() ? "anyone (no password file)"
                : "from " + access.passwordFile() + ", " + stats.refused() + " connection(s) refused"));
        String acl = broker.aclSummary();
        out.append(String.format(Locale.ROOT, "topics      %s%n", acl == null ? "all open to every client (no ACL file)"
                : "as " + acl + " grant, " + stats.denied() + " publication(s) refused"));
        MqttBroker.Kept kept = broker.keptSessions();
        out.append(String.format(Locale.ROOT, "sessions    %d kept for disconnected clients, %d message(s) waiting in them%n",
                kept.sessions(), kept.waiting()));
        out.append(String.format(Locale.ROOT, "retained    %d topic(s)%n", stats.retained()));
        out.append(String.format(Locale.ROOT, "persisted   %s%n", broker.store()));
        out.append(String.format(Locale.ROOT, "messages    %d received, %d delivered, %d dropped%n", stats.received(),
                stats.delivered(), stats.dropped()));
        if (stats.clients() > 0) {
            Table clients = new Table().column("CLIENT").column("ADDRESS").column("MQTT").number("SUBS").number("PENDING")
                    .number("DROPPED");
            broker.clients().stream().sorted(Comparator.comparing(ClientSession::clientId)).forEach(c -> clients.row(c.clientId(),
                    c.remoteAddress(), c.protocol(), c.subscriptionCount(), c.pending(), c.dropped()));
            out.append(System.lineSeparator()).append(clients);
        }
        return out.toString();
    }
}
