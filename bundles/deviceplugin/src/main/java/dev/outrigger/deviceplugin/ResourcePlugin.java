package dev.outrigger.deviceplugin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import dev.outrigger.device.SerialDevice;
import dev.outrigger.deviceplugin.proto.AllocateRequest;
import dev.outrigger.deviceplugin.proto.AllocateResponse;
import dev.outrigger.deviceplugin.proto.ContainerAllocateRequest;
import dev.outrigger.deviceplugin.proto.ContainerAllocateResponse;
import dev.outrigger.deviceplugin.proto.Device;
import dev.outrigger.deviceplugin.proto.DevicePluginOptions;
import dev.outrigger.deviceplugin.proto.DeviceSpec;
import dev.outrigger.deviceplugin.proto.Empty;
import dev.outrigger.deviceplugin.proto.ListAndWatchResponse;
import dev.outrigger.deviceplugin.proto.RegisterRequest;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

/**
 * One resource, e.g. {@code outrigger.dev/zigbee}, served to the kubelet: a gRPC server on a socket
 * in the kubelet's device plugin folder, registered with the kubelet, which it tells the devices
 * present (ListAndWatch) and what a container gets of those it was given (Allocate): the device
 * node, under its by-id name too, and an environment variable that names them. A kubelet that
 * restarts removes the sockets in its folder: {@link #keep()} serves and registers again.
 */
final class ResourcePlugin implements AutoCloseable {

    private static final String HEALTHY = "Healthy";
    private static final long REGISTER_TIMEOUT_SECONDS = 5;

    private final String resource;
    private final Path folder;
    private final Path socket;
    private final String environment;
    private final EventLoopGroup loop;
    /** Guarded by this: the devices present, by id, and the kubelet's streams that want to hear of them. */
    private Map<String, SerialDevice> devices = new TreeMap<>();
    private final List<ServerCallStreamObserver<ListAndWatchResponse>> watchers = new ArrayList<>();
    /** Confined to the thread that calls {@link #keep()} (and {@link #close()} after it). */
    private Server server;
    /** The kubelet's socket (its inode and time) the plugin registered with: another one is a restarted kubelet. */
    private String registeredWith;
    private volatile Instant registered;
    private final AtomicLong allocations = new AtomicLong();

    /**
     * @param name the resource's name below the prefix, e.g. {@code zigbee}: a valid Kubernetes
     *        name, which {@link DevicePlugins#resourceName} makes of a profile's
     */
    ResourcePlugin(String prefix, String name, Path folder, EventLoopGroup loop) {
        this.resource = prefix + "/" + name;
        this.folder = folder;
        this.socket = folder.resolve("outrigger-" + name + ".sock");
        this.environment = "OUTRIGGER_" + name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_") + "_DEVICES";
        this.loop = loop;
    }

    String resource() {
        return resource;
    }

    Path socket() {
        return socket;
    }

    /** The devices with this resource now present; the kubelet hears of a change at once. */
    synchronized void devices(Collection<SerialDevice> present) {
        Map<String, SerialDevice> byId = new TreeMap<>();
        present.forEach(d -> byId.put(d.id(), d));
        boolean changed = !byId.keySet().equals(devices.keySet());
        devices = byId; // the same ones may be at another path, after a replug
        if (changed) {
            ListAndWatchResponse list = list();
            watchers.removeIf(ServerCallStreamObserver::isCancelled);
            watchers.forEach(w -> w.onNext(list));
        }
    }

    synchronized List<SerialDevice> devices() {
        return List.copyOf(devices.values());
    }

    /**
     * Serves on the socket, and registers with the kubelet, unless both are done: at the first call,
     * after the kubelet removed the socket, and when its own socket is a new one (it restarted).
     * Without the kubelet's socket it waits. Called by one thread only, and without the lock that
     * the kubelet's calls take: registering, the kubelet calls back before it answers.
     *
     * @return whether it registered just now
     * @throws IOException the socket cannot be served, or the kubelet refused or did not answer
     */
    boolean keep() throws IOException {
        if (server == null || !Files.exists(socket)) {
            stopServing();
            Files.deleteIfExists(socket);
            server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                    .channelType(EpollServerDomainSocketChannel.class).bossEventLoopGroup(loop).workerEventLoopGroup(loop)
                    .withChildOption(ChannelOption.SO_KEEPALIVE, null) // gRPC's TCP default: a Unix socket has none
                    .directExecutor().addService(service()).build().start();
            registeredWith = null;
        }
        Path kubelet = folder.resolve(KubeletApi.KUBELET_SOCKET);
        if (!Files.exists(kubelet)) {
            registeredWith = null;
            registered = null;
            return false;
        }
        BasicFileAttributes socketFile = Files.readAttributes(kubelet, BasicFileAttributes.class);
        String now = socketFile.fileKey() + " " + socketFile.lastModifiedTime();
        if (now.equals(registeredWith)) {
            return false;
        }
        register(kubelet);
        registeredWith = now;
        registered = Instant.now();
        return true;
    }

    /** When the kubelet last took the registration; null while it has not. */
    Instant registered() {
        return registered;
    }

    long allocations() {
        return allocations.get();
    }

    private void register(Path kubelet) throws IOException {
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(kubelet.toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(loop).withOption(ChannelOption.SO_KEEPALIVE, null)
                .directExecutor().usePlaintext().build();
        try {
            ClientCalls.blockingUnaryCall(channel, KubeletApi.REGISTER,
                    CallOptions.DEFAULT.withDeadlineAfter(REGISTER_TIMEOUT_SECONDS, TimeUnit.SECONDS),
                    RegisterRequest.newBuilder().setVersion(KubeletApi.VERSION).setEndpoint(socket.getFileName().toString())
                            .setResourceName(resource).setOptions(DevicePluginOptions.getDefaultInstance()).build());
        } catch (RuntimeException e) {
            Status status = Status.fromThrowable(e);
            throw new IOException("the kubelet at " + kubelet + " did not register " + resource + ": " + status.getCode()
                    + (status.getDescription() == null ? "" : " " + status.getDescription()), e);
        } finally {
            channel.shutdownNow();
        }
    }

    private ServerServiceDefinition service() {
        return ServerServiceDefinition.builder("v1beta1.DevicePlugin")
                .addMethod(KubeletApi.GET_OPTIONS, ServerCalls.asyncUnaryCall(this::options))
                .addMethod(KubeletApi.LIST_AND_WATCH, ServerCalls.asyncServerStreamingCall(this::watch))
                .addMethod(KubeletApi.ALLOCATE, ServerCalls.asyncUnaryCall(this::allocate))
                .build();
    }

    /** Neither pre-start hooks nor preferred allocations: the kubelet calls neither. */
    private void options(Empty request, StreamObserver<DevicePluginOptions> reply) {
        reply.onNext(DevicePluginOptions.getDefaultInstance());
        reply.onCompleted();
    }

    private synchronized void watch(Empty request, StreamObserver<ListAndWatchResponse> stream) {
        watchers.add((ServerCallStreamObserver<ListAndWatchResponse>) stream);
        stream.onNext(list());
    }

    private void allocate(AllocateRequest request, StreamObserver<AllocateResponse> reply) {
        try {
            reply.onNext(allocation(request));
            reply.onCompleted();
        } catch (RuntimeException e) {
            reply.onError(e);
        }
    }

    private ListAndWatchResponse list() {
        ListAndWatchResponse.Builder list = ListAndWatchResponse.newBuilder();
        devices.keySet().forEach(id -> list.addDevices(Device.newBuilder().setID(id).setHealth(HEALTHY)));
        return list.build();
    }

    /**
     * Each container gets its devices' nodes, read and write, at their /dev path, by-id and by-path
     * names; sticks alike share their by-id name, which goes to the first of them, and each is named
     * by its by-path one.
     */
    private synchronized AllocateResponse allocation(AllocateRequest request) {
        AllocateResponse.Builder response = AllocateResponse.newBuilder();
        for (ContainerAllocateRequest container : request.getContainerRequestsList()) {
            ContainerAllocateResponse.Builder given = ContainerAllocateResponse.newBuilder();
            List<String> names = new ArrayList<>();
            Set<String> paths = new HashSet<>();
            for (String id : container.getDevicesIdsList()) {
                SerialDevice d = devices.get(id);
                if (d == null) {
                    throw Status.NOT_FOUND.withDescription(resource + " " + id + " is not plugged in on this node")
                            .asRuntimeException();
                }
                Optional<String> byId = d.byId().filter(paths::add);
                Stream.of(Optional.of(d.path()), byId, d.byPath()).flatMap(Optional::stream).distinct().forEach(path -> given.addDevices(
                        DeviceSpec.newBuilder().setHostPath(d.path()).setContainerPath(path).setPermissions("rw")));
                names.add(byId.or(d::byPath).orElse(d.path()));
            }
            given.putEnvs(environment, String.join(",", names));
            response.addContainerResponses(given);
        }
        allocations.incrementAndGet();
        return response.build();
    }

    private void stopServing() {
        if (server != null) {
            synchronized (this) {
                watchers.stream().filter(w -> !w.isCancelled()).forEach(StreamObserver::onCompleted);
                watchers.clear();
            }
            server.shutdownNow();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            server = null;
        }
    }

    /** Stops serving; the kubelet then counts none of the resource's devices. */
    @Override
    public void close() throws IOException {
        stopServing();
        Files.deleteIfExists(socket);
    }
}
