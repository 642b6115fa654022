package dev.outrigger.meshtastic;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;

import dev.outrigger.mesh.MeshRadio;

/** A live radio as this bundle's components see it: no nodes, one channel; sending is the test's to decide. */
class TestRadio implements MeshRadio {

    @Override
    public String address() {
        return "test";
    }

    @Override
    public String state() {
        return "live";
    }

    @Override
    public Optional<MeshNode> self() {
        return Optional.empty();
    }

    @Override
    public List<MeshNode> nodes() {
        return List.of();
    }

    @Override
    public List<String> describe() {
        return List.of();
    }

    @Override
    public int channel(String indexOrName) {
        return 0;
    }

    @Override
    public Sending send(String text, OptionalLong to, int channel) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Route> traceroute(long to, int channel) {
        throw new UnsupportedOperationException();
    }
}
