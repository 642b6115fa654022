package dev.outrigger.mqtt;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import dev.outrigger.outbox.Outbox;

/** Gogo {@code mqtt:status} and {@code mqtt:tail}. */
@Component(service = MqttCommands.class, property = { "osgi.command.scope=mqtt",
        "osgi.command.function=status", "osgi.command.function=tail" })
public class MqttCommands {

    /** Of a binary payload, enough to tell what it is. */
    private static final int BYTES_SHOWN = 32;

    /** How often tail looks whether the broker refused its subscription. */
    private static final long REFUSAL_CHECK_MILLIS = 200;

    @Reference
    private MqttConnection connection;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY)
    private volatile Outbox outbox;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY)
    private volatile OutboxDrainer drainer;

    @Descriptor("connection, broker, records in flight and waiting, connections and messages counted, last error")
    public String status() {
        StringBuilder out = new StringBuilder();
        long since = connection.connectedSince();
        out.append(String.format(Locale.ROOT, "state       %s%n",
                connection.isConnected() ? "connected since " + Instant.ofEpochMilli(since) : "disconnected"));
        out.append(String.format(Locale.ROOT, "broker      %s%n", connection.broker()));
        out.append(String.format(Locale.ROOT, "topics      %s/...%n", connection.topic("").replaceAll("/$", "")));
        connection.refusedSubscriptions().forEach((filter, why) -> out.append(
                String.format(Locale.ROOT, "refused     subscription to %s (%s)%n", filter, why)));
        MqttConnection.Window window = connection.window();
        out.append(String.format(Locale.ROOT, "in flight   %d%s%n", connection.inflight(), window.size() == 0 ? ""
                : String.format(Locale.ROOT, " (the broker takes %d at once; %d more waiting)", window.size(), window.waiting())));
        Outbox o = outbox;
        if (o != null) {
            Outbox.Stats s = o.stats();
            out.append(String.format(Locale.ROOT, "waiting     %d record(s), oldest %d s%n", s.depth(), s.oldestAgeMillis() / 1000));
            OutboxDrainer d = drainer;
            if (d != null && d.heldBack() > 0) {
                out.append(String.format(Locale.ROOT, "held back   %d record(s) the broker refused for now, offered again every %s%n",
                        d.heldBack(), MqttConnection.duration(connection.offerAgainMillis())));
            }
        }
        Traffic t = connection.traffic();
        out.append(String.format(Locale.ROOT, "connections %d made, %d attempt(s) failed, %d lost%n", t.connects.sum(),
                t.connectFailures.sum(), t.lost.sum()));
        out.append(String.format(Locale.ROOT, "messages    %d published, %d refused, %d unanswered, %d received%n", t.published.sum(),
                t.refused.sum(), t.failed.sum(), t.received.sum()));
        out.append(String.format(Locale.ROOT, "last error  %s%n", connection.lastError().isEmpty() ? "-" : connection.lastError()));
        return out.toString();
    }

    @Descriptor("print every message below this gateway as it arrives")
    public void tail(CommandSession session,
            @Descriptor("stop after this many messages") @Parameter(names = { "-n", "--count" }, absentValue = "10") int count,
            @Descriptor("stop after this many seconds") @Parameter(names = { "-t", "--timeout" }, absentValue = "30") int seconds)
            throws Exception {
        // also what an unquoted `mqtt:tail #` arrives as: Gogo reads the # as the start of a comment
        tail(session, count, seconds, connection.topic("#"));
    }

    @Descriptor("print messages on a topic filter as they arrive")
    public void tail(CommandSession session,
            @Descriptor("stop after this many messages") @Parameter(names = { "-n", "--count" }, absentValue = "10") int count,
            @Descriptor("stop after this many seconds") @Parameter(names = { "-t", "--timeout" }, absentValue = "30") int seconds,
            @Descriptor("topic filter, e.g. mesh/# (below this gateway) or '#' (quoted: the whole broker)") String filter)
            throws Exception {
        if (count < 1 || seconds < 1) {
            throw new IllegalArgumentException("-n and -t take a number from 1 on, not " + (count < 1 ? count : seconds));
        }
        String absolute = filter.startsWith(connection.topic("").split("/")[0] + "/") || filter.startsWith("#")
                ? filter : connection.topic(filter);
        PrintStream out = session.getConsole();
        CountDownLatch done = new CountDownLatch(count);
        AtomicInteger seen = new AtomicInteger();
        try (AutoCloseable subscription = connection.subscribe(absolute, 0, m -> {
            if (seen.incrementAndGet() <= count) {
                out.printf(Locale.ROOT, "%s %s%s%n", m.topic(), m.retained() ? "(retained) " : "", shown(m.payload()));
                out.flush();
                done.countDown();
            }
        })) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            // a refusal comes in the broker's SUBACK, moments after the subscription
            while (!done.await(REFUSAL_CHECK_MILLIS, TimeUnit.MILLISECONDS) && System.nanoTime() < deadline) {
                String refused = connection.refusedSubscriptions().get(absolute);
                if (refused != null) {
                    throw new IllegalStateException("the broker refused the subscription to " + absolute + " (" + refused + ")");
                }
            }
        }
    }

    /**
     * Text as it is; anything else (a protobuf, as Meshtastic's own MQTT uplink sends, or text with
     * control characters that would drive the terminal) as its length and first bytes in hex.
     */
    static String shown(byte[] payload) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(payload)).toString();
            // line breaks (Windows' too) and tabs lay text out; the other control characters drive the terminal
            if (text.codePoints().noneMatch(c -> Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t')) {
                return text;
            }
        } catch (CharacterCodingException binary) {
            // shown as bytes
        }
        StringBuilder hex = new StringBuilder("(binary, " + payload.length + " bytes)");
        for (int i = 0; i < Math.min(payload.length, BYTES_SHOWN); i++) {
            hex.append(String.format(Locale.ROOT, " %02x", payload[i]));
        }
        return payload.length > BYTES_SHOWN ? hex.append(" ...").toString() : hex.toString();
    }
}
