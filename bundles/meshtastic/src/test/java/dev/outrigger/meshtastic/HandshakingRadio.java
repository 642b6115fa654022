package dev.outrigger.meshtastic;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.outrigger.meshtastic.proto.FromRadio;
import dev.outrigger.meshtastic.proto.ToRadio;
import dev.outrigger.meshtastic.protocol.FrameDecoder;
import dev.outrigger.meshtastic.protocol.Frames;

/**
 * A radio's TCP API as far as the handshake goes, one client at a time: each want_config_id is
 * answered with the configuration the test gives, then its config_complete_id. Keeps what its
 * clients sent.
 */
final class HandshakingRadio implements AutoCloseable {

    private final ServerSocket server = new ServerSocket();
    private final List<Socket> clients = new CopyOnWriteArrayList<>();
    private final Thread answering;
    /** What each handshake answers before its config_complete_id: the test may change it between handshakes. */
    volatile List<FromRadio> configuration;
    final List<ToRadio> received = new CopyOnWriteArrayList<>();

    HandshakingRadio(InetAddress bind, List<FromRadio> configuration) throws IOException {
        this.configuration = configuration;
        server.bind(new InetSocketAddress(bind, 0));
        answering = new Thread(this::answer, "handshaking radio");
        answering.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Ends the connection of each client, as a radio that reboots. */
    void dropClients() throws IOException {
        for (Socket client : clients) {
            client.close();
        }
    }

    private void answer() {
        while (!server.isClosed()) {
            try (Socket client = server.accept()) {
                clients.add(client);
                InputStream in = client.getInputStream();
                OutputStream out = client.getOutputStream();
                FrameDecoder decoder = new FrameDecoder(new FrameDecoder.Listener() {
                    @Override
                    public void frame(byte[] payload) {
                        try {
                            ToRadio asked = ToRadio.parseFrom(payload);
                            received.add(asked);
                            if (asked.hasWantConfigId()) {
                                for (FromRadio message : configuration) {
                                    out.write(Frames.encode(message));
                                }
                                out.write(Frames.encode(FromRadio.newBuilder().setConfigCompleteId(asked.getWantConfigId()).build()));
                            }
                        } catch (IOException gone) {
                            // the session's end
                        }
                    }

                    @Override
                    public void text(String line) {
                    }
                });
                byte[] buffer = new byte[512];
                for (int n; (n = in.read(buffer)) > 0;) {
                    decoder.feed(buffer, 0, n);
                }
            } catch (IOException closed) {
                // the radio stopped, or its client went
            }
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        server.close();
        dropClients(); // a far end gone without a word would leave its read waiting for ever
        answering.join(5_000);
    }
}
