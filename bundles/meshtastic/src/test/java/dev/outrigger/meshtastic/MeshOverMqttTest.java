package dev.outrigger.meshtastic;

import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

import org.junit.Test;

import dev.outrigger.framework.Await;
import dev.outrigger.messaging.Message;

/** Mesh requests over MQTT while the radio stops taking what is written to it. */
public class MeshOverMqttTest {

    /**
     * Its firmware hung with its USB port still there: writes to it block. The MQTT client's thread
     * hands each request off and goes on (to remote configuration, say); beyond the requests that
     * may wait, each is refused at once as busy.
     */
    @Test(timeout = 10_000) // before requests were handed off, the first one held the test's thread for good
    public void aRadioThatTakesNothingHoldsUpNeitherTheMqttClientNorTheRequester() throws Exception {
        CountDownLatch hung = new CountDownLatch(1);
        TestUplink mqtt = new TestUplink();
        MeshOverMqtt requests = new MeshOverMqtt(mqtt, List.of(new HungRadio(hung)));
        try {
            Consumer<Message> send = mqtt.handlers.get("outrigger/gw/mesh/send");
            for (int i = 0; i < 66; i++) {
                // returns at once, on the MQTT client's thread: this one
                send.accept(new Message("outrigger/gw/mesh/send", "{\"text\": \"hello\"}".getBytes(StandardCharsets.UTF_8), 1, false,
                        Optional.of("it/replies"), Optional.empty()));
            }
            Await.until("the one request beyond those under way and waiting refused", Duration.ofSeconds(5),
                    () -> mqtt.published.size() == 1);
            String reply = new String(mqtt.published.get(0).payload(), StandardCharsets.UTF_8);
            assertTrue(reply, reply.contains("\"outcome\":\"failed\"") && reply.contains("busy: 64 requests wait for the radio"));
        } finally {
            hung.countDown();
            requests.deactivate();
        }
    }

    /** Live, and each write to it blocked until the test ends. */
    private static final class HungRadio extends TestRadio {
        private final CountDownLatch hung;

        HungRadio(CountDownLatch hung) {
            this.hung = hung;
        }

        @Override
        public Sending send(String text, OptionalLong to, int channel) {
            try {
                hung.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("the radio took nothing");
        }
    }
}
