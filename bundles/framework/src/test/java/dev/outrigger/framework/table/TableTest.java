package dev.outrigger.framework.table;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import org.junit.Test;

public class TableTest {

    @Test
    public void aLongCellWidensItsColumnAndTheOthersStayAligned() {
        String table = new Table().column("CLIENT").column("ADDRESS").number("SUBS")
                .row("gw", "127.0.0.1:50000", 2)
                .row("zigbee2mqtt_a1b2c3d4e5f6a7b8c9d0", "127.0.0.1:50001", 12)
                .toString();
        assertEquals(String.join(System.lineSeparator(),
                "CLIENT                            ADDRESS          SUBS",
                "gw                                127.0.0.1:50000     2",
                "zigbee2mqtt_a1b2c3d4e5f6a7b8c9d0  127.0.0.1:50001    12", ""), table);
    }

    @Test
    public void theLastColumnIsNotPaddedAndAMissingValueShowsAsADash() {
        String table = new Table().column("ID").column("NAME").row("!a", "a long name").row("!b", null).row("!c", "")
                .toString();
        assertEquals(String.join(System.lineSeparator(), "ID  NAME", "!a  a long name", "!b  -", "!c  -", ""), table);
    }

    @Test
    public void aControlCharacterInACellCannotBreakTheRow() {
        String table = new Table().column("NAME").column("ROLE").row("evil\r\nname", "CLIENT").toString();
        assertEquals(String.join(System.lineSeparator(), "NAME        ROLE", "evil??name  CLIENT", ""), table);
    }

    @Test
    public void anEmojiCountsAsOneColumn() {
        String table = new Table().column("NAME").column("ROLE").row("\uD83D\uDE90 van", "CLIENT").toString();
        assertEquals(String.join(System.lineSeparator(), "NAME   ROLE", "\uD83D\uDE90 van  CLIENT", ""), table);
    }

    @Test
    public void aRowOfTheWrongLengthIsAProgrammingErrorSaidPlainly() {
        Table table = new Table().column("A").column("B");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> table.row("only one"));
        assertEquals("1 cell(s) for 2 column(s) [A, B]", e.getMessage());
    }
}
