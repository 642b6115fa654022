package dev.outrigger.framework.metrics;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class ExpositionTest {

    @Test
    public void labelValuesAndHelpAreEscapedAndNumbersPlainDecimals() {
        String text = new Exposition().metric("outrigger_mesh_nodes", "gauge", "Nodes\nheard")
                .sample("outrigger_mesh_nodes", 4, "radio", "/dev/serial/by-id/a\"b\\c")
                .sample("outrigger_mesh_nodes", 0.25, "radio", "x", "kind", "y")
                .sample("outrigger_mesh_nodes", 1796124877.487)
                .toString();
        assertEquals("""
                # HELP outrigger_mesh_nodes Nodes\\nheard
                # TYPE outrigger_mesh_nodes gauge
                outrigger_mesh_nodes{radio="/dev/serial/by-id/a\\"b\\\\c"} 4
                outrigger_mesh_nodes{radio="x",kind="y"} 0.25
                outrigger_mesh_nodes 1796124877.487
                """, text);
    }
}
