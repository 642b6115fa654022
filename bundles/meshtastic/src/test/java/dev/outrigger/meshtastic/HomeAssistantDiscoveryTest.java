package dev.outrigger.meshtastic;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.junit.After;
import org.junit.Test;

import dev.outrigger.framework.Await;
import dev.outrigger.framework.json.Json;
import dev.outrigger.messaging.Message;
import dev.outrigger.position.PositionSource;

public class HomeAssistantDiscoveryTest {

    private static final long NOW = 1_780_000_000L;
    private static final long DAY = TimeUnit.DAYS.toSeconds(1);
    private static final int ENTITIES = 7;

    private final Broker broker = new Broker();
    private final AtomicLong clock = new AtomicLong(NOW);
    private final Mesh mesh = new Mesh();
    private HomeAssistantDiscovery discovery;

    @After
    public void stop() throws Exception {
        if (discovery != null) {
            discovery.deactivate();
        }
    }

    @Test
    public void aNodeNotHeardForAWeekLeavesHomeAssistantUntilItIsHeardAgain() {
        mesh.heard(0x5a1a0002L, "Shed", NOW - 60);
        mesh.heard(0x5a1a0003L, "Passer-by", NOW - 8 * DAY);
        mesh.heard(0x5a1a0004L, "In the radio's database, never heard", 0);
        start(7);

        Await.until("the shed and the node never heard announced", Duration.ofSeconds(5),
                () -> broker.configs("5a1a0002").size() == ENTITIES && broker.configs("5a1a0004").size() == ENTITIES);
        // what an earlier run announced of the passer-by is cleared, though this run never announced it
        Await.until("the passer-by's entities cleared", Duration.ofSeconds(5), () -> broker.cleared("5a1a0003").size() == ENTITIES);
        assertEquals(List.of(), broker.configs("5a1a0003"));

        // a week and a day on, without a word from the shed
        clock.addAndGet(8 * DAY);
        Await.until("the shed's entities cleared", Duration.ofSeconds(5), () -> broker.cleared("5a1a0002").size() == ENTITIES);
        assertEquals("the same topics as announced", broker.configs("5a1a0002").stream().map(Message::topic).collect(Collectors.toSet()),
                broker.cleared("5a1a0002").stream().map(Message::topic).collect(Collectors.toSet()));
        assertTrue(broker.cleared("5a1a0002").stream().allMatch(Message::retained));
        int published = broker.published.size();

        // Home Assistant restarts: what is gone stays gone
        broker.handlers.get("homeassistant/status").accept(new Message("homeassistant/status", "online".getBytes(StandardCharsets.UTF_8), 1, false,
                Optional.empty(), Optional.empty()));
        Await.until("the node never heard announced again", Duration.ofSeconds(5), () -> broker.configs("5a1a0004").size() == 2 * ENTITIES);
        assertEquals(ENTITIES, broker.configs("5a1a0002").size());
        assertEquals(ENTITIES, broker.cleared("5a1a0002").size());

        // the shed heard again: back in Home Assistant
        mesh.heard(0x5a1a0002L, "Shed", clock.get());
        Await.until("the shed announced again", Duration.ofSeconds(5), () -> broker.configs("5a1a0002").size() == 2 * ENTITIES);
        assertTrue(broker.published.size() > published);
        assertEquals(ENTITIES, broker.cleared("5a1a0003").size());
    }

    @Test
    public void theGatewayIsOnTheMapWhereItsGpsReceiverSays() {
        start(7);
        discovery.positions.add(new PositionSource() {
            @Override
            public String device() {
                return "usb-u-blox_AG_-_www.u-blox.com_u-blox_GNSS_receiver-if00";
            }

            @Override
            public String topic() {
                return "gps/" + device();
            }

            @Override
            public String state() {
                return "reading";
            }

            @Override
            public int mode() {
                return 3;
            }
        });
        String topic = "homeassistant/device_tracker/outrigger_gw/gps_usb-u-blox_AG_-_www_u-blox_com_u-blox_GNSS_receiver-if00/config";
        Await.until("the gateway's tracker announced", Duration.ofSeconds(5),
                () -> broker.published.stream().anyMatch(m -> m.topic().equals(topic)));
        Map<String, Object> tracker = Json.object(broker.published.stream().filter(m -> m.topic().equals(topic)).findFirst()
                .orElseThrow().payload());
        assertEquals("outrigger/gw/gps/usb-u-blox_AG_-_www.u-blox.com_u-blox_GNSS_receiver-if00", tracker.get("json_attributes_topic"));
        assertEquals("gps", tracker.get("source_type"));
        assertEquals(List.of("outrigger_gw"), ((Map<?, ?>) tracker.get("device")).get("identifiers"));
    }

    @Test
    public void withForgetDaysZeroEveryNodeStays() {
        mesh.heard(0x5a1a0003L, "Passer-by", NOW - 400 * DAY);
        start(0);
        Await.until("the passer-by announced", Duration.ofSeconds(5), () -> broker.configs("5a1a0003").size() == ENTITIES);
        assertEquals(List.of(), broker.cleared("5a1a0003"));
    }

    private void start(int forgetDays) {
        discovery = new HomeAssistantDiscovery(config(forgetDays), broker, List.of(mesh), clock::get);
    }

    private static HomeAssistantDiscovery.Config config(int forgetDays) {
        return new HomeAssistantDiscovery.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return HomeAssistantDiscovery.Config.class;
            }

            @Override
            public String prefix() {
                return "homeassistant";
            }

            @Override
            public int scanSeconds() {
                return 1;
            }

            @Override
            public String[] nodes() {
                return new String[0];
            }

            @Override
            public int forgetDays() {
                return forgetDays;
            }
        };
    }

    /** The broker as the component sees it: it takes every publication. */
    private static final class Broker extends TestUplink {

        /** The node's discovery messages that announce an entity. */
        List<Message> configs(String hex) {
            return of(hex).stream().filter(m -> m.payload().length > 0).toList();
        }

        /** The node's discovery messages that clear one. */
        List<Message> cleared(String hex) {
            return of(hex).stream().filter(m -> m.payload().length == 0).toList();
        }

        private List<Message> of(String hex) {
            return published.stream().filter(m -> m.topic().matches("homeassistant/[a-z_]+/outrigger_gw/" + hex + "(_[a-z_]+)?/config"))
                    .toList();
        }
    }

    /** A radio whose node database the test writes. */
    private static final class Mesh extends TestRadio {
        private final List<MeshNode> nodes = new CopyOnWriteArrayList<>();

        void heard(long num, String name, long lastHeard) {
            nodes.removeIf(n -> n.num() == num);
            nodes.add(new MeshNode(num, MeshNode.id(num), name, "", "TBEAM", "CLIENT", lastHeard, null, null, null, null, null,
                    null, null, null));
        }

        @Override
        public List<MeshNode> nodes() {
            return nodes;
        }
    }
}
