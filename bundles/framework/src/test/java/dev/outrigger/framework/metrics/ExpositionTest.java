package dev.outrigger.framework.metrics;

import static org.junit.Assert.assertEquals;

import java.util.List;

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

    @Test
    public void eachItemGetsASampleOfEveryMetricUnderItsLabel() {
        Exposition out = new Exposition();
        out.each(List.of("/dev/ttyACM0", "10.0.0.7:4403"), "radio", String::valueOf)
                .metric("outrigger_mesh_radio_live", "gauge", "live", r -> r.startsWith("/") ? 1 : 0)
                .metric("outrigger_mesh_packets_total", "counter", "packets", String::length);
        assertEquals("""
                # HELP outrigger_mesh_radio_live live
                # TYPE outrigger_mesh_radio_live gauge
                outrigger_mesh_radio_live{radio="/dev/ttyACM0"} 1
                outrigger_mesh_radio_live{radio="10.0.0.7:4403"} 0
                # HELP outrigger_mesh_packets_total packets
                # TYPE outrigger_mesh_packets_total counter
                outrigger_mesh_packets_total{radio="/dev/ttyACM0"} 12
                outrigger_mesh_packets_total{radio="10.0.0.7:4403"} 13
                """, out.toString());
    }
}
