package dev.outrigger.bridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.net.InetAddress;
import java.util.List;

import org.junit.Test;

public class AllowListTest {

    @Test
    public void addressesAndNetworksOfBothFamilies() throws Exception {
        AllowList allow = AllowList.parse(List.of("192.168.1.20", "10.0.0.0/8", "::1", "fd00::/8"));
        assertTrue(allow.admits(InetAddress.getByName("192.168.1.20")));
        assertFalse(allow.admits(InetAddress.getByName("192.168.1.21")));
        assertTrue(allow.admits(InetAddress.getByName("10.200.3.4")));
        assertFalse(allow.admits(InetAddress.getByName("11.0.0.1")));
        assertTrue("written another way", allow.admits(InetAddress.getByName("0:0:0:0:0:0:0:1")));
        assertTrue(allow.admits(InetAddress.getByName("fd12:3456::7")));
        assertFalse(allow.admits(InetAddress.getByName("fe80::1")));
    }

    @Test
    public void aListWrittenInAFileIsOneStringWithCommas() throws Exception {
        AllowList allow = AllowList.parse(List.of("192.168.1.20, 192.168.1.21"));
        assertTrue(allow.admits(InetAddress.getByName("192.168.1.21")));
    }

    @Test
    public void emptyAdmitsAnyone() throws Exception {
        assertTrue(AllowList.parse(List.of()).admits(InetAddress.getByName("203.0.113.9")));
    }

    @Test
    public void whatIsNoAddressIsRefusedWithoutAskingDns() {
        assertEquals("zigbee.lan is not an IP address or network (e.g. 192.168.1.20, 192.168.1.0/24, fd00::/8)",
                assertThrows(IllegalArgumentException.class, () -> AllowList.parse(List.of("zigbee.lan"))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> AllowList.parse(List.of("300.1.1.1")));
        assertThrows(IllegalArgumentException.class, () -> AllowList.parse(List.of("fd00::zz")));
        assertEquals("10.0.0.0/33 has no prefix length from 0 to 32",
                assertThrows(IllegalArgumentException.class, () -> AllowList.parse(List.of("10.0.0.0/33"))).getMessage());
    }
}
