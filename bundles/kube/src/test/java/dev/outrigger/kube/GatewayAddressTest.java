package dev.outrigger.kube;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;

import org.junit.Assume;
import org.junit.Test;

import dev.outrigger.framework.net.NetworkNamespace;

public class GatewayAddressTest {

    /** The API server on another network: the address of the way there, not just any interface's. */
    @Test
    public void theAddressIsTheOneTheApiServerIsReachedFrom() throws Exception {
        try (NetworkNamespace apiServer = NetworkNamespace.create()) {
            assertEquals(apiServer.hostAddress, GatewayAddress.toward(apiServer.address, 6443));
        }
    }

    /** A k3s server's own kubeconfig names https://127.0.0.1:6443: its Node is not at loopback for that. */
    @Test
    public void anApiServerOnThisHostGivesAnInterfacesAddress() {
        Assume.assumeTrue("this host has a network interface", GatewayAddress.ofAnInterface().isPresent());
        assertNotEquals("127.0.0.1", GatewayAddress.toward("127.0.0.1", 6443));
        assertEquals(GatewayAddress.ofAnInterface().orElseThrow(), GatewayAddress.toward("127.0.0.1", 6443));
    }

    @Test
    public void anApiServerWhoseNameDoesNotResolveYetGivesAnInterfacesAddress() {
        Assume.assumeTrue("this host has a network interface", GatewayAddress.ofAnInterface().isPresent());
        assertEquals(GatewayAddress.ofAnInterface().orElseThrow(), GatewayAddress.toward("api.invalid", 6443));
    }
}
