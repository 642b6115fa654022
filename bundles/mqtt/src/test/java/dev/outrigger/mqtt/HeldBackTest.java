package dev.outrigger.mqtt;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.Test;

public class HeldBackTest {

    private final HeldBack held = new HeldBack();

    @Test
    public void oneProbeATopicAtATimeAndTheRestFollowsWhenTheBrokerTakesIt() {
        held.refused("gw/data/secret", 3);
        held.refused("gw/data/secret", 5);
        held.refused("gw/data/secret", 7);
        assertEquals(3, held.size());
        assertEquals(List.of(3L, 5L, 7L), List.copyOf(held.withoutProbe().get("gw/data/secret")));

        held.probing("gw/data/secret", 3);
        assertEquals("no second probe while one is out", Map.of(), held.withoutProbe());
        held.refused("gw/data/secret", 3);
        assertNull("refused again: still held", held.pollTakenAgain());
        assertEquals(3, held.size());

        held.probing("gw/data/secret", 3);
        held.unanswered("gw/data/secret", 3);
        assertEquals("the connection ended: another probe may go", 1, held.withoutProbe().size());

        held.probing("gw/data/secret", 3);
        held.taken("gw/data/secret", 3);
        assertEquals("gw/data/secret", held.pollTakenAgain());
        assertNull(held.pollTakenAgain());
        assertEquals(List.of(5L, 7L), held.release("gw/data/secret"));
        assertEquals(0, held.size());
    }

    @Test
    public void aNewRecordTheBrokerTakesReleasesThoseHeldBeforeItWithoutWaitingForAProbe() {
        held.refused("gw/data/secret", 3);
        held.taken("gw/data/secret", 9);
        assertEquals("gw/data/secret", held.pollTakenAgain());
        assertEquals(List.of(3L), held.release("gw/data/secret"));
        held.taken("gw/data/secret", 10);
        assertNull("nothing held: nothing to release", held.pollTakenAgain());
    }

    @Test
    public void aProbeStillOutIsNotReleasedTwice() {
        held.refused("gw/data/secret", 3);
        held.refused("gw/data/secret", 5);
        held.probing("gw/data/secret", 3);
        held.taken("gw/data/secret", 9);
        assertEquals("gw/data/secret", held.pollTakenAgain());
        assertEquals(List.of(5L), held.release("gw/data/secret"));
        held.taken("gw/data/secret", 3);
        assertEquals(0, held.size());
    }

    @Test
    public void aRecordOlderThanOneTheBrokerTookGoesWithoutRetainEvenAfterAReconnect() {
        assertTrue("a topic never held back: as it is", held.newest("gw/gps/a", 1));
        held.refused("gw/gps/a", 10);
        held.refused("gw/gps/a", 11);
        held.taken("gw/gps/a", 12); // a newer fix, after the ACL was fixed
        assertFalse(held.newest("gw/gps/a", 11));
        assertTrue(held.newest("gw/gps/a", 13));

        held.clear();
        assertEquals(0, held.size());
        assertFalse("re-read from the oldest after a reconnect, the old fix still goes without retain", held.newest("gw/gps/a", 10));
    }

    @Test
    public void recordsTheOutboxDroppedAreForgotten() {
        held.refused("gw/data/x", 1);
        held.refused("gw/data/x", 2);
        held.forget("gw/data/x", 1);
        assertEquals(List.of(2L), List.copyOf(held.withoutProbe().get("gw/data/x")));
    }
}
