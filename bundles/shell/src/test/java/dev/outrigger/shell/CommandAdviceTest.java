package dev.outrigger.shell;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class CommandAdviceTest {

    @Test
    public void argumentsThatFitNoFormOfTheCommandAreSaidInWords() {
        CommandAdvice advice = new CommandAdvice();
        assertEquals("as typed, which help finds", "wrong arguments for config:get; 'help config:get' says which it takes",
                advice.errorLine(" config:get ", new IllegalArgumentException("Cannot coerce get() to any of [(String)]")));
        assertEquals("wrong arguments for get; 'help get' says which it takes",
                advice.errorLine("get", new IllegalArgumentException("Cannot coerce get() to any of [(String)]")));
        assertEquals("no radio is live", advice.errorLine("mesh:send hi", new IllegalStateException("no radio is live")));
    }
}
