package dev.outrigger.mqtt;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import org.junit.Test;

public class SubscriptionsTest {

    @Test
    public void aFilterWithAWildcardOutOfPlaceIsSaidWithWhereWildcardsGo() {
        for (String filter : new String[] { "outrigger/vm/a/#/b", "outrigger/vm/mesh#", "outrigger/vm/+x/position" }) {
            assertEquals(filter + " is no topic filter: # only alone as its last level (mesh/#), + only alone as a level"
                    + " (mesh/+/position)", assertThrows(IllegalArgumentException.class, () -> Subscriptions.validate(filter)).getMessage());
        }
        Subscriptions.validate("outrigger/vm/mesh/+/position");
        Subscriptions.validate("#");
    }
}
