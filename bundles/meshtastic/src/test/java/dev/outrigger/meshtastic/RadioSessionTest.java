package dev.outrigger.meshtastic;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.FileOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import com.fazecast.jSerialComm.SerialPort;

import dev.outrigger.bridge.PtyPair;
import dev.outrigger.framework.Await;
import dev.outrigger.framework.net.NetworkNamespace;
import dev.outrigger.meshtastic.proto.FromRadio;

public class RadioSessionTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    /**
     * A radio on Wi-Fi that loses power in the middle of a live session (its API behind a relay on
     * a host of its own, which the test takes off the network): nothing more comes, not even a
     * reset, and the probes find it gone rather than a quiet mesh being taken for a live radio.
     */
    @Test
    public void aLiveRadioWhoseHostVanishedIsFoundGone() throws Exception {
        try (NetworkNamespace wifi = NetworkNamespace.create();
                HandshakingRadio radio = new HandshakingRadio(InetAddress.getByName(wifi.hostAddress), List.of())) {
            wifi.start(new ProcessBuilder("socat", "TCP-LISTEN:4403,bind=" + wifi.address + ",fork,reuseaddr",
                    "TCP:" + wifi.hostAddress + ":" + radio.port()));
            BlockingQueue<String> states = new LinkedBlockingQueue<>();
            RadioSession session = new RadioSession(wifi.address + ":4403", () -> Links.tcp(wifi.address, 4403, 2),
                    new RadioSession.Timing(5_000, 60_000, 1_000, 1_000), stateChanges((state, detail) -> states.add(state + " " + detail)),
                    false);
            Thread thread = new Thread(session);
            thread.start();
            try {
                String state;
                do {
                    state = states.poll(10, TimeUnit.SECONDS);
                    assertNotNull("the session live through the relay", state);
                } while (!state.startsWith("LIVE"));
                wifi.cut();
                String lost = states.poll(15, TimeUnit.SECONDS);
                assertEquals("BACKOFF connection lost: the other end stopped answering (its host off, or the network between gone)",
                        lost);
            } finally {
                session.stop();
                thread.join(5_000);
            }
        }
    }

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
            try {
                List<String> whys = failures("127.0.0.1:" + radio.getLocalPort(), () -> Links.tcp("127.0.0.1", radio.getLocalPort()),
                        new RadioSession.Timing(2_000, 60_000, 1, 4), false, 5);
                assertEquals(Collections.nCopies(5, "the radio closed the connection during the handshake: it serves one API client at a"
                        + " time, so is another program connected to it (the Meshtastic app over Wi-Fi, a second gateway)? Or is that no"
                        + " Meshtastic API port?"), whys);
            } finally {
                radio.close();
                hangingUp.join(5_000);
            }
        }
    }

    /**
     * The radio's port plugged in but held by another program (as it would be without the dialout
     * group): the node's to fix, said as such until the port can be opened.
     */
    @Test
    public void aSerialRadioWhosePortCannotBeOpenedSaysWhyUntilItCan() throws Exception {
        try (PtyPair pty = new PtyPair(folder.newFolder("pty").toPath())) {
            String path = pty.device.toRealPath().toString();
            SerialPort holder = SerialPort.getCommPort(path);
            assertTrue(holder.openPort());
            RadioSession session = new RadioSession(path, () -> Links.serial(path, 115200),
                    new RadioSession.Timing(1_000, 60_000, 1, 4), stateChanges((state, detail) -> { }), true);
            Thread thread = new Thread(session);
            thread.start();
            try {
                Await.until("told why", Duration.ofSeconds(10), () -> session.cannotOpen().isPresent());
                String why = session.cannotOpen().get();
                assertTrue(why, why.startsWith("cannot open " + path + ": busy: another program has it open"));
                holder.closePort();
                Await.until("opened once the other program let go", Duration.ofSeconds(10), () -> session.cannotOpen().isEmpty());
            } finally {
                session.stop();
                thread.join(5_000);
                holder.closePort();
            }
        }
    }

    /**
     * A GPS receiver given role meshtastic by mistake (or a radio whose serial module speaks NMEA on
     * its USB port): the handshake times out, and says what came instead, in the same words each time.
     */
    @Test
    public void aPortThatAnswersWithNmeaIsSaidToBeNoRadioApi() throws Exception {
        try (PtyPair pty = new PtyPair(folder.newFolder("gps").toPath()); FileOutputStream receiver = new FileOutputStream(pty.peer.toFile())) {
            String path = pty.device.toRealPath().toString();
            ScheduledExecutorService receiverClock = Executors.newSingleThreadScheduledExecutor();
            receiverClock.scheduleAtFixedRate(() -> { // a receiver's sentences, ten a second
                try {
                    receiver.write("$GPGGA,092750.000,5321.6802,N,00630.3372,W,1,8,1.03,61.7,M,55.2,M,,*76\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                } catch (IOException closed) {
                    // the test is over
                }
            }, 0, 100, TimeUnit.MILLISECONDS);
            try {
                assertEquals("no configuration within 1000 ms of asking: it sent NMEA sentences only (a GPS receiver, or the"
                        + " radio's serial module in NMEA mode on this port)", firstFailure(path, () -> Links.serial(path, 115200), true));
            } finally {
                receiverClock.shutdownNow();
                receiverClock.awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** A port that takes the handshake and answers nothing at all (the kernel accepts for it). */
    @Test
    public void aPortThatAnswersNothingIsSaidSo() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertEquals("no configuration within 1000 ms of asking, and nothing came back (is it a Meshtastic radio's port?)",
                    firstFailure("127.0.0.1:" + silent.getLocalPort(), () -> Links.tcp("127.0.0.1", silent.getLocalPort()), false));
        }
    }

    /** Why the first session with the given link ended, its handshake given a second. */
    private static String firstFailure(String address, RadioSession.Connector connector, boolean serial) throws Exception {
        return failures(address, connector, new RadioSession.Timing(1_000, 60_000, 60_000, 60_000), serial, 1).get(0);
    }

    /** Why each of the first sessions with the given link ended, as the backoffs after them say. */
    private static List<String> failures(String address, RadioSession.Connector connector, RadioSession.Timing timing, boolean serial,
            int count) throws Exception {
        BlockingQueue<String> backoffs = new LinkedBlockingQueue<>();
        RadioSession session = new RadioSession(address, connector, timing, stateChanges((state, detail) -> {
            if (state == RadioSession.State.BACKOFF) {
                backoffs.add(detail);
            }
        }), serial);
        Thread thread = new Thread(session);
        thread.start();
        try {
            List<String> whys = new ArrayList<>();
            while (whys.size() < count) {
                String why = backoffs.poll(10, TimeUnit.SECONDS);
                assertNotNull("a backoff after session " + (whys.size() + 1), why);
                whys.add(why);
            }
            String last = whys.get(count - 1);
            Await.until("mesh:info told why", Duration.ofSeconds(5), () -> session.failing().equals(Optional.of(last)));
            return whys;
        } finally {
            session.stop();
            thread.interrupt(); // in its backoff, as the radio's owner ends it
            thread.join(5_000);
        }
    }

    /** Events that pass each change of the session's state on, and nothing else. */
    private static RadioSession.Events stateChanges(BiConsumer<RadioSession.State, String> changed) {
        return new RadioSession.Events() {
            @Override
            public void configuring() {
            }

            @Override
            public void fromRadio(FromRadio message) {
            }

            @Override
            public void stateChanged(RadioSession.State state, String detail) {
                changed.accept(state, detail);
            }
        };
    }
}
