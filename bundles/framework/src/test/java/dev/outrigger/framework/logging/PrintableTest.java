package dev.outrigger.framework.logging;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class PrintableTest {

    @Test
    public void controlCharactersAndNonAsciiBecomeQuestionMarks() {
        assertEquals("a?[2Jb?c??", Printable.of("a\u001b[2Jb\u0000c\u00e9\u00ff"));
    }

    @Test
    public void longTextIsCutWithAnEllipsis() {
        assertEquals("x".repeat(64) + "...", Printable.of("x".repeat(200)));
        assertEquals("x".repeat(64), Printable.of("x".repeat(64)));
    }

    @Test
    public void aLineKeepsUnicodeButNoControlCharacter() {
        assertEquals("Shed \ud83d\udce1 n\u00f8de ?[31mred??", Printable.line("Shed \ud83d\udce1 n\u00f8de \u001b[31mred\n\u009b"));
    }
}
