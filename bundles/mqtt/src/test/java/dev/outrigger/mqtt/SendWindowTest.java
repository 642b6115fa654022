package dev.outrigger.mqtt;

import static org.junit.Assert.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.Test;

public class SendWindowTest {

    private final SendWindow window = new SendWindow();
    /** What went to "Paho", in order, each with what settles it. */
    private final List<String> sent = new ArrayList<>();
    private final List<Runnable> settles = new ArrayList<>();
    private final List<String> failed = new ArrayList<>();

    private void submit(String name) {
        window.submit(settled -> {
            sent.add(name);
            settles.add(settled);
        }, e -> failed.add(name + ": " + e.getMessage()));
    }

    @Test
    public void noMoreThanTheBrokerTakesAreUnacknowledgedAndTheRestGoInOrderAsPlacesFree() {
        window.open(2);
        for (int i = 1; i <= 5; i++) {
            submit("m" + i);
        }
        assertEquals(List.of("m1", "m2"), sent);
        assertEquals(2, window.size());
        assertEquals(3, window.waiting());

        settles.get(1).run(); // acknowledgements may come in any order
        assertEquals(List.of("m1", "m2", "m3"), sent);
        settles.get(0).run();
        settles.get(2).run();
        assertEquals(List.of("m1", "m2", "m3", "m4", "m5"), sent);
        assertEquals(0, window.waiting());
        assertEquals(List.of(), failed);
    }

    @Test
    public void whatWaitsWhenTheConnectionEndsFailsAndTheOldConnectionsAcknowledgementsFreeNothingInTheNext() {
        window.open(1);
        submit("a");
        submit("b");
        window.close("connection lost");
        assertEquals(List.of("b: connection lost"), failed);
        assertEquals("no window while disconnected", 0, window.size());

        submit("refused while disconnected");
        assertEquals("b: connection lost", failed.get(0));
        assertEquals("refused while disconnected: not connected", failed.get(1));

        window.open(1);
        submit("c");
        submit("d");
        settles.get(0).run(); // "a", from the connection that died
        assertEquals(List.of("a", "c"), sent);
        settles.get(1).run();
        assertEquals(List.of("a", "c", "d"), sent);
    }

    @Test
    public void aNewConnectionWhosePredecessorsEndWentUnreportedFailsWhatWaitedOnIt() {
        window.open(1);
        submit("a");
        submit("b");
        window.open(1);
        assertEquals(List.of("b: connection lost"), failed);
        submit("c");
        assertEquals(List.of("a", "c"), sent);
    }

    @Test
    public void aSendPahoRefusesFailsAndGivesItsPlaceBack() {
        window.open(1);
        window.submit(settled -> {
            throw new MqttException(MqttClientException.REASON_CODE_CLIENT_NOT_CONNECTED);
        }, e -> failed.add("refused"));
        submit("next");
        assertEquals(List.of("refused"), failed);
        assertEquals(List.of("next"), sent);
    }
}
