package dev.outrigger.framework.claims;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.Test;

public class ClaimsTest {

    private final Claims<String> claims = new Claims<>((selector, device) -> device.startsWith(selector));

    @Test
    public void aClaimTakesWhatItsSelectorFitsUntilReleased() {
        claims.claim("usb-Silicon");
        assertTrue(claims.claimed("usb-Silicon_Labs_CP2102"));
        assertFalse(claims.claimed("usb-ITead_Sonoff"));
        claims.release("usb-Silicon");
        assertFalse(claims.claimed("usb-Silicon_Labs_CP2102"));
    }

    @Test
    public void theAutomaticOwnerIsToldOfEachChangeAndASuccessorKeepsItsCallback() {
        AtomicInteger told = new AtomicInteger();
        AtomicInteger successorTold = new AtomicInteger();
        Runnable owner = told::incrementAndGet;
        Runnable successor = successorTold::incrementAndGet;
        claims.onChange(owner);
        claims.claim("a");
        claims.onChange(successor);
        claims.noLongerTell(owner);
        claims.release("a");
        assertEquals(1, told.get());
        assertEquals(1, successorTold.get());
        claims.noLongerTell(successor);
        claims.claim("b");
        assertEquals(1, successorTold.get());
    }
}
