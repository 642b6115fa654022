package dev.outrigger.meshtastic;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;

import dev.outrigger.framework.logging.OncePerMinute;
import dev.outrigger.framework.logging.Outage;
import dev.outrigger.framework.logging.Printable;
import dev.outrigger.framework.threads.Daemons;
import dev.outrigger.mesh.MeshRadio;
import dev.outrigger.meshtastic.RadioSession.State;
import dev.outrigger.meshtastic.proto.Channel;
import dev.outrigger.meshtastic.proto.ClientNotification;
import dev.outrigger.meshtastic.proto.Data;
import dev.outrigger.meshtastic.proto.DeviceMetrics;
import dev.outrigger.meshtastic.proto.FromRadio;
import dev.outrigger.meshtastic.proto.LoRaConfig;
import dev.outrigger.meshtastic.proto.MeshPacket;
import dev.outrigger.meshtastic.proto.NodeInfo;
import dev.outrigger.meshtastic.proto.PortNum;
import dev.outrigger.meshtastic.proto.Position;
import dev.outrigger.meshtastic.proto.QueueStatus;
import dev.outrigger.meshtastic.proto.RouteDiscovery;
import dev.outrigger.meshtastic.proto.Routing;
import dev.outrigger.meshtastic.proto.Telemetry;
import dev.outrigger.meshtastic.proto.ToRadio;
import dev.outrigger.meshtastic.proto.User;
import dev.outrigger.outbox.Outbox;
import dev.outrigger.outbox.OutboxException;
import dev.outrigger.outbox.OutboxRecord;

/**
 * One radio: keeps its session, turns every packet heard into an outbox record (once, even when
 * the radio replays its cache after a handshake), keeps the node table, and sends text. Created
 * for each configured radio and each discovered device with role {@code meshtastic}.
 */
final class Radio implements MeshRadio, RadioSession.Events {

    /**
     * Where the radio is and how to talk to it.
     *
     * @param seenFile where the packets already recorded are kept between runs; null: in memory only
     */
    record Options(String address, int baud, RadioSession.Timing timing, int ackTimeoutSeconds, Path seenFile) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(Radio.class);
    private static final long BROADCAST = 0xffffffffL;
    private static final Pattern NODE_ID = Pattern.compile("!?[0-9a-fA-F]{1,8}");
    /** Meshtastic's channel indexes: a primary and up to seven secondaries. */
    private static final int MAX_CHANNEL = 7;
    /** The firmware's log level WARNING, of its client notifications. */
    private static final int WARNING = 30;

    private final Outbox outbox;
    private final String address;
    private final int ackTimeoutSeconds;
    private final RadioSession session;
    private final Thread thread;
    private final NodeTable nodes = new NodeTable();
    /** The radio hands recent packets over again after each handshake: recorded once. */
    private final SeenPackets seen;
    private volatile long recorded;
    private volatile long repeats;
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private volatile long myNum = -1;
    private volatile String firmware = "";
    private volatile String lora = "";
    /**
     * As its LoRa configuration last said: the firmware transmits nothing while the region is
     * unset (as a radio comes from the flasher) or the transmitter is off (a receive-only radio).
     */
    private volatile boolean regionUnset;
    private volatile boolean transmitterOff;
    /** The enabled channels: what mesh:info says of each, and their names. */
    private final Map<Integer, String> channels = new ConcurrentHashMap<>();
    private final Map<Integer, String> channelNames = new ConcurrentHashMap<>();
    private volatile int queueFree = Integer.MAX_VALUE;
    private volatile Airtime airtime;
    /** The radio's last notification, and how often it came again: by the session's thread only. */
    private String lastNotice = "";
    private OncePerMinute repeatedNotice = new OncePerMinute();
    private final Outage outboxOutage = new Outage();

    private record Pending(long to, CompletableFuture<Delivery> delivery) {
    }

    /** Traceroutes asked and not yet answered, by request id. */
    private final Map<Long, CompletableFuture<Route>> traceroutes = new ConcurrentHashMap<>();

    Radio(Outbox outbox, Options options) {
        this.outbox = outbox;
        this.address = options.address().trim();
        this.ackTimeoutSeconds = options.ackTimeoutSeconds();
        this.seen = new SeenPackets(options.seenFile());
        RadioAddress where = RadioAddress.parse(address);
        boolean serial = where.device().isPresent();
        RadioSession.Connector connector = serial ? () -> Links.serial(address, options.baud())
                : () -> Links.tcp(where.host(), where.port());
        this.session = new RadioSession(address, connector, options.timing(), this, serial);
        this.thread = Daemons.start("outrigger-meshtastic " + address, session);
    }

    /**
     * How busy the channel is as the radio hears it, and how much of the last hour it transmitted
     * itself, in percent, from its own device metrics or counts. Above 25 % channel utilisation the
     * firmware holds back its own telemetry and positions; regions limit the transmitting (10 % an
     * hour in EU 868).
     */
    record Airtime(float channelUtilization, float airUtilTx) {
    }

    /** Until the radio tells: at the handshake, then with its device telemetry. */
    Optional<Airtime> airtime() {
        return Optional.ofNullable(airtime);
    }

    private void airtime(DeviceMetrics m) {
        if (m.hasChannelUtilization() && m.hasAirUtilTx()) {
            airtime(m.getChannelUtilization(), m.getAirUtilTx());
        }
    }

    private void airtime(float channelUtilization, float airUtilTx) {
        if (Float.isFinite(channelUtilization) && Float.isFinite(airUtilTx)) {
            airtime = new Airtime(channelUtilization, airUtilTx);
        }
    }

    /** What /metrics shows of the radio: sessions, packets, and what was skipped. */
    record Counters(long sessions, long recorded, long repeats, long malformed) {
    }

    Counters counters() {
        return new Counters(session.sessions(), recorded, repeats, session.malformed());
    }

    /** Ends the session and its thread; what was sent and not yet acknowledged is reported failed. */
    void close() throws InterruptedException {
        session.stop();
        thread.interrupt();
        thread.join(5_000);
        LOG.info("Meshtastic {}: stopped{}", address,
                pending.isEmpty() ? "" : "; " + pending.size() + " message(s) sent and not yet acknowledged reported failed");
        pending.values().forEach(p -> p.delivery().complete(new Delivery(0, Outcome.FAILED, "radio removed")));
        traceroutes.values().forEach(t -> t.completeExceptionally(new IllegalStateException("radio removed")));
        seen.close();
    }

    @Override
    public String address() {
        return address;
    }

    @Override
    public String state() {
        return session.state().name().toLowerCase(Locale.ROOT);
    }

    /**
     * Why it does not work as configured: its serial device, plugged in, cannot be opened, or its
     * region was never set. A transmitter turned off is a choice, not a problem.
     */
    Optional<String> problem() {
        Optional<String> why = session.cannotOpen().or(() -> regionUnset ? mute() : Optional.empty());
        return why.map(w -> "Meshtastic " + address + ": " + w);
    }

    /** Why the radio transmits nothing, as its configuration says; empty: it transmits. */
    private Optional<String> mute() {
        if (regionUnset) {
            return Optional.of("its LoRa region is unset, and the firmware transmits nothing until it is set "
                    + "(in the Meshtastic app, or: meshtastic --set lora.region EU_868, US, ...)");
        }
        return transmitterOff ? Optional.of("its LoRa transmitter is off (lora.tx_enabled false)") : Optional.empty();
    }

    @Override
    public Optional<MeshNode> self() {
        return Optional.ofNullable(myNum < 0 ? null : nodes.get(myNum));
    }

    @Override
    public List<MeshNode> nodes() {
        return nodes.all();
    }

    @Override
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        lines.add("address     " + address + " (" + state() + ")");
        session.failing().ifPresent(why -> lines.add("failing     " + why));
        lines.add("node        " + (myNum < 0 ? "-" : MeshNode.id(myNum) + self().map(n -> " " + Printable.line(n.longName())).orElse("")));
        lines.add("firmware    " + (firmware.isEmpty() ? "-" : firmware));
        lines.add("lora        " + (lora.isEmpty() ? "-" : lora) + mute().map(why -> "; transmits nothing: " + why).orElse(""));
        channels.forEach((i, c) -> lines.add("channel " + i + "   " + c));
        Counters counted = counters();
        lines.add("packets     " + counted.recorded() + " recorded, " + counted.repeats() + " repeat(s) dropped, "
                + counted.malformed() + " malformed frame(s) skipped");
        lines.add("sessions    " + counted.sessions() + " handshake(s) completed");
        airtime().ifPresent(a -> lines.add(String.format(Locale.ROOT, "airtime     channel %.1f %% busy, own transmissions %.1f %%"
                + " of the last hour", a.channelUtilization(), a.airUtilTx())));
        return lines;
    }

    /** A destination as people write it ({@code !a1b2c3d4}, the {@code !} optional); empty: everyone. */
    static OptionalLong destination(String id) {
        if (id == null || id.isEmpty()) {
            return OptionalLong.empty();
        }
        if (!NODE_ID.matcher(id).matches()) {
            throw new IllegalArgumentException(id + " is not a node id: ! and up to 8 hex digits, as mesh:nodes shows them");
        }
        return OptionalLong.of(Long.parseLong(id.replaceFirst("^!", ""), 16));
    }

    @Override
    public int channel(String indexOrName) {
        String wanted = indexOrName.trim();
        if (wanted.matches("[0-9]{1,9}")) {
            return Integer.parseInt(wanted);
        }
        return channelNames.entrySet().stream().filter(c -> !c.getValue().isEmpty() && c.getValue().equalsIgnoreCase(wanted))
                .map(Map.Entry::getKey).findFirst().orElseThrow(() -> new IllegalArgumentException("the radio has no channel "
                        + Printable.line(wanted) + "; its channels: " + channelNames.entrySet().stream().sorted(Map.Entry.comparingByKey())
                                .map(c -> c.getKey() + (c.getValue().isEmpty() ? "" : " " + Printable.line(c.getValue())))
                                .collect(Collectors.joining(", "))));
    }

    @Override
    public Sending send(String text, OptionalLong to, int channel) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("no text to send");
        }
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > 200) {
            throw new IllegalArgumentException("text of " + utf8.length + " bytes; a mesh packet carries at most 200");
        }
        long dest = to.orElse(BROADCAST);
        CompletableFuture<Delivery> delivery = new CompletableFuture<>();
        long id = transmit(MeshPacket.newBuilder().setTo((int) dest).setChannel(channel).setWantAck(true)
                .setDecoded(Data.newBuilder().setPortnum(PortNum.TEXT_MESSAGE_APP).setPayload(ByteString.copyFrom(utf8))),
                pending, new Pending(dest, delivery));
        delivery.completeOnTimeout(new Delivery(id, Outcome.FAILED, "no acknowledgement within " + ackTimeoutSeconds + " s"),
                ackTimeoutSeconds, TimeUnit.SECONDS).whenComplete((d, e) -> pending.remove(id));
        return new Sending(id, delivery);
    }

    @Override
    public CompletionStage<Route> traceroute(long to, int channel) {
        if (to == BROADCAST) {
            throw new IllegalArgumentException("a traceroute goes to one node");
        }
        CompletableFuture<Route> route = new CompletableFuture<>();
        // as the firmware's own clients ask: an empty route, want_response, no want_ack (the answer is the acknowledgement)
        long id = transmit(MeshPacket.newBuilder().setTo((int) to).setChannel(channel).setDecoded(Data.newBuilder()
                .setPortnum(PortNum.TRACEROUTE_APP).setWantResponse(true).setPayload(RouteDiscovery.getDefaultInstance().toByteString())),
                traceroutes, route);
        route.orTimeout(ackTimeoutSeconds, TimeUnit.SECONDS).whenComplete((r, e) -> traceroutes.remove(id));
        return route;
    }

    /**
     * Hands a packet to the radio under a fresh id; what waits for its answer is registered first,
     * since the answer may come before this returns.
     */
    private <T> long transmit(MeshPacket.Builder packet, Map<Long, T> waiting, T waiter) {
        if (packet.getChannel() < 0 || packet.getChannel() > MAX_CHANNEL) {
            throw new IllegalArgumentException("channel " + packet.getChannel() + ": a radio has channels 0 to " + MAX_CHANNEL);
        }
        if (queueFree == 0) {
            throw new IllegalStateException("the radio's transmit queue is full; try again shortly");
        }
        mute().ifPresent(why -> {
            throw new IllegalStateException("the radio transmits nothing: " + why);
        });
        long id = 1 + random.nextInt(Integer.MAX_VALUE - 1);
        waiting.put(id, waiter);
        try {
            session.send(ToRadio.newBuilder().setPacket(packet.setId((int) id)).build());
        } catch (IOException | RuntimeException e) {
            waiting.remove(id);
            throw new IllegalStateException(e.getMessage(), e);
        }
        return id;
    }

    @Override
    public void configuring() {
        firmware = "";
        lora = "";
        channels.clear();
        channelNames.clear();
        queueFree = Integer.MAX_VALUE;
    }

    @Override
    public void stateChanged(State state, String detail) {
        LOG.debug("Meshtastic {}: {} {}", address, state, detail);
    }

    @Override
    public void fromRadio(FromRadio message) {
        switch (message.getPayloadVariantCase()) {
            case MY_INFO -> myNum = message.getMyInfo().getMyNodeNum() & 0xffffffffL;
            case NODE_INFO -> nodeInfo(message.getNodeInfo());
            case METADATA -> firmware = message.getMetadata().getFirmwareVersion();
            case CHANNEL -> channel(message.getChannel());
            case CONFIG -> {
                if (message.getConfig().hasLora()) {
                    lora(message.getConfig().getLora());
                }
            }
            case QUEUESTATUS -> queueStatus(message.getQueueStatus());
            case PACKET -> packet(message.getPacket());
            case CLIENTNOTIFICATION -> notified(message.getClientNotification());
            default -> {
                // other cases (module config, file info, ...) are not needed here
            }
        }
    }

    private void lora(LoRaConfig config) {
        lora = "region " + Names.region(config.getRegion()) + ", preset " + Names.preset(config.getModemPreset());
        Optional<String> before = mute();
        regionUnset = config.getRegion() == 0;
        transmitterOff = !config.getTxEnabled();
        // each handshake brings the configuration again: said when it changes
        mute().filter(why -> !before.equals(Optional.of(why)))
                .ifPresent(why -> LOG.warn("Meshtastic {}: transmits nothing: {}", address, why));
    }

    private void channel(Channel c) {
        if (c.getRole() != Channel.Role.DISABLED) {
            String name = c.getSettings().getName();
            channels.put(c.getIndex(), (name.isEmpty() ? "(default)" : name) + " " + c.getRole().name().toLowerCase(Locale.ROOT));
            channelNames.put(c.getIndex(), name);
        }
    }

    /**
     * The radio's word to its client: why it refused what we sent (a traceroute within 30 s of the
     * last one, say), by its packet id, or news for people (a node that took our public key).
     */
    private void notified(ClientNotification n) {
        String message = Printable.line(n.getMessage());
        if (!message.equals(lastNotice)) {
            lastNotice = message;
            repeatedNotice = new OncePerMinute();
        }
        // some come with every telemetry or position a power-saving node sends: a repeat at most once a minute
        repeatedNotice.occurred(times -> {
            String repeats = times > 1 ? " (" + times + " times since the last such line)" : "";
            if (n.getLevel() >= WARNING) {
                LOG.warn("Meshtastic {}: the radio says: {}{}", address, message, repeats);
            } else {
                LOG.info("Meshtastic {}: the radio says: {}{}", address, message, repeats);
            }
        });
        if (n.hasReplyId()) {
            long id = n.getReplyId() & 0xffffffffL;
            CompletableFuture<Route> traceroute = traceroutes.get(id);
            if (traceroute != null) {
                traceroute.completeExceptionally(new IllegalStateException(message));
            }
            Pending p = pending.get(id);
            if (p != null) {
                p.delivery().complete(new Delivery(id, Outcome.FAILED, message));
            }
        }
    }

    private void queueStatus(QueueStatus q) {
        queueFree = q.getFree();
        Pending p = q.getRes() != 0 ? pending.get(q.getMeshPacketId() & 0xffffffffL) : null;
        if (p != null) {
            p.delivery().complete(new Delivery(q.getMeshPacketId() & 0xffffffffL, Outcome.FAILED,
                    "the radio refused it (queue result " + q.getRes() + ")"));
        }
    }

    private void packet(MeshPacket p) {
        long from = p.getFrom() & 0xffffffffL;
        if (p.getId() != 0 && seen.recorded(from, p.getId())) {
            repeats++;
            return;
        }
        long now = System.currentTimeMillis() / 1000;
        nodes.heard(p, now);
        if (p.hasDecoded()) {
            learn(from, p);
        }
        // the packet, then its sender's state: one sync for both
        List<OutboxRecord> records = new ArrayList<>(2);
        records.add(PacketRecords.record(p, sender(), nodes::longName, now));
        nodeState(from).ifPresent(records::add);
        if (append(records)) {
            if (p.getId() != 0) {
                seen.add(from, p.getId());
            }
            recorded++;
        }
    }

    /** The node's state as the table has it now, retained; none for a node the full table let go at once. */
    private Optional<OutboxRecord> nodeState(long num) {
        return Optional.ofNullable(nodes.get(num)).map(node -> PacketRecords.node(node, sender()));
    }

    /** Appends to the outbox; one line when it starts refusing, one when it takes records again. */
    private boolean append(List<OutboxRecord> records) {
        try {
            outbox.appendAll(records);
            outboxOutage.worked(() -> LOG.info("Meshtastic {}: the outbox accepts records again", address));
            return true;
        } catch (OutboxException | RuntimeException e) {
            outboxOutage.failed(n -> LOG.error("Meshtastic {}: packets cannot be recorded{}: {}", address,
                    Outage.times(n), e.getMessage()));
            return false;
        }
    }

    /** The receiving radio's own node id, as the firmware's JSON names it; "" before the handshake told. */
    private String sender() {
        return myNum < 0 ? "" : MeshNode.id(myNum);
    }

    /** A node the radio's node database holds, at the handshake: its state, retained. */
    private void nodeInfo(NodeInfo info) {
        nodes.nodeInfo(info);
        long num = info.getNum() & 0xffffffffL;
        if (num == myNum && info.hasDeviceMetrics()) {
            airtime(info.getDeviceMetrics());
        }
        nodeState(num).ifPresent(state -> append(List.of(state)));
    }

    /** What a packet tells about its sender, and acknowledgements of what we sent. */
    private void learn(long from, MeshPacket p) {
        Data d = p.getDecoded();
        try {
            switch (d.getPortnum()) {
                case NODEINFO_APP -> nodes.user(from, User.parseFrom(d.getPayload()));
                case POSITION_APP -> nodes.position(from, Position.parseFrom(d.getPayload()));
                case TELEMETRY_APP -> {
                    Telemetry t = Telemetry.parseFrom(d.getPayload());
                    if (t.hasDeviceMetrics()) {
                        nodes.metrics(from, t.getDeviceMetrics());
                    }
                    if (from == myNum) {
                        if (t.hasDeviceMetrics()) {
                            airtime(t.getDeviceMetrics());
                        } else if (t.hasLocalStats()) {
                            airtime(t.getLocalStats().getChannelUtilization(), t.getLocalStats().getAirUtilTx());
                        }
                    }
                }
                case ROUTING_APP -> acknowledged(from, d.getRequestId() & 0xffffffffL, Routing.parseFrom(d.getPayload()));
                case TRACEROUTE_APP -> traced(p, RouteDiscovery.parseFrom(d.getPayload()));
                default -> {
                    // recorded as it is
                }
            }
        } catch (InvalidProtocolBufferException e) {
            LOG.debug("Meshtastic {}: undecodable {} payload from {}", address, d.getPortnum(), MeshNode.id(from));
        }
    }

    private void acknowledged(long from, long requestId, Routing routing) {
        CompletableFuture<Route> traceroute = traceroutes.get(requestId);
        if (traceroute != null && routing.getErrorReason() != Routing.Error.NONE) {
            traceroute.completeExceptionally(new IllegalStateException(routing.getErrorReason().name()));
        }
        Pending p = pending.get(requestId);
        if (p == null) {
            return;
        }
        Delivery delivery;
        if (routing.getErrorReason() != Routing.Error.NONE) {
            delivery = new Delivery(requestId, Outcome.FAILED, routing.getErrorReason().name());
        } else if (p.to() != BROADCAST && from == p.to()) {
            delivery = new Delivery(requestId, Outcome.ACKED, "");
        } else {
            delivery = new Delivery(requestId, Outcome.IMPLICITLY_ACKED, "");
        }
        p.delivery().complete(delivery);
    }

    /** The answer to a traceroute we asked: from the node asked, to us. */
    private void traced(MeshPacket answer, RouteDiscovery r) {
        CompletableFuture<Route> traceroute = traceroutes.get(answer.getDecoded().getRequestId() & 0xffffffffL);
        if (traceroute != null) {
            traceroute.complete(Traceroutes.route(answer, r));
        }
    }
}
