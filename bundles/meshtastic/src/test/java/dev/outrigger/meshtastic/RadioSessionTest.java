package dev.outrigger.meshtastic;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

import dev.outrigger.meshtastic.proto.FromRadio;

public class RadioSessionTest {

    /**
     * A radio's TCP API that hangs up at once (it serves another client) says so in the same words
     * each time, however the hang-up shows (end of stream, reset, broken pipe), so it is logged once.
     */
    @Test
    public void aRadioThatHangsUpDuringEveryHandshakeIsSaidInTheSameWordsEachTime() throws Exception {
        try (ServerSocket radio = new ServerSocket()) {
            radio.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread hangingUp = new Thread(() -> {
                while (!radio.isClosed()) {
                    try (Socket client = radio.accept()) {
                        client.setSoLinger(true, 0); // a reset, as often as an orderly close
                    } catch (Exception closed) {
                        return;
                    }
                }
            });
            hangingUp.start();
            BlockingQueue<String> backoffs = new LinkedBlockingQueue<>();
            RadioSession session = new RadioSession("127.0.0.1:" + radio.getLocalPort(),
                    () -> Links.tcp("127.0.0.1", radio.getLocalPort()), new RadioSession.Timing(2_000, 60_000, 1, 4),
                    new RadioSession.Events() {
                        @Override
                        public void configuring() {
                        }

                        @Override
                        public void fromRadio(FromRadio message) {
                        }

                        @Override
                        public void stateChanged(RadioSession.State state, String detail) {
                            if (state == RadioSession.State.BACKOFF) {
                                backoffs.add(detail);
                            }
                        }
                    }, false);
            Thread thread = new Thread(session);
            thread.start();
            try {
                for (int i = 0; i < 5; i++) {
                    String why = backoffs.poll(10, TimeUnit.SECONDS);
                    assertNotNull("a backoff after each hang-up", why);
                    assertEquals("the radio closed the connection during the handshake: it serves one API client at a time, so is"
                            + " another program connected to it (the Meshtastic app over Wi-Fi, a second gateway)? Or is that no"
                            + " Meshtastic API port?", why);
                }
            } finally {
                session.stop();
                thread.join(5_000);
                radio.close();
                hangingUp.join(5_000);
            }
        }
    }
}
