package dev.outrigger.shell;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class ShellPortTest {

    @Test
    public void argumentsThatFitNoFormOfTheCommandAreSaidInWords() {
        assertEquals("wrong arguments for get; 'help get' says which it takes",
                ShellPort.errorLine(new IllegalArgumentException("Cannot coerce get() to any of [(String)]")));
        assertEquals("no radio is live", ShellPort.errorLine(new IllegalStateException("no radio is live")));
    }
}
