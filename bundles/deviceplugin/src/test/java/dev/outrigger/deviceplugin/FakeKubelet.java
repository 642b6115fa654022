package dev.outrigger.deviceplugin;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import dev.outrigger.deviceplugin.proto.AllocateRequest;
import dev.outrigger.deviceplugin.proto.AllocateResponse;
import dev.outrigger.deviceplugin.proto.ContainerAllocateRequest;
import dev.outrigger.deviceplugin.proto.Empty;
import dev.outrigger.deviceplugin.proto.ListAndWatchResponse;
import dev.outrigger.deviceplugin.proto.RegisterRequest;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

/**
 * The kubelet's side of the device plugin API, as the kubelet behaves (none can run here): takes
 * registrations on {@code kubelet.sock} in its folder, then connects to each plugin's socket and
 * watches its devices; allocates when a test says a pod asks. For the tests of this bundle and the
 * integration tests.
 */
public final class FakeKubelet implements AutoCloseable {

    public final List<RegisterRequest> registered = new CopyOnWriteArrayList<>();
    private final Path folder;
    private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();
    private final Map<String, List<String>> lists = new ConcurrentHashMap<>();
    private Server server;

    public FakeKubelet(Path folder) {
        this.folder = folder;
    }

    public FakeKubelet start() throws IOException {
        server = NettyServerBuilder.forAddress(new DomainSocketAddress(folder.resolve("kubelet.sock").toString()))
                .channelType(EpollServerDomainSocketChannel.class).bossEventLoopGroup(loop).workerEventLoopGroup(loop)
                .withChildOption(ChannelOption.SO_KEEPALIVE, null) // gRPC's TCP default: a Unix socket has none
                .addService(ServerServiceDefinition.builder("v1beta1.Registration")
                        .addMethod(KubeletApi.REGISTER, ServerCalls.asyncUnaryCall(this::register)).build())
                .build().start();
        return this;
    }

    private void register(RegisterRequest request, StreamObserver<Empty> reply) {
        registered.add(request);
        reply.onNext(Empty.getDefaultInstance());
        reply.onCompleted();
        // apart from the registration, which is over once answered
        Context.ROOT.run(() -> watch(request.getEndpoint()));
    }

    private ManagedChannel channel(String endpoint) {
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(folder.resolve(endpoint).toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(loop).withOption(ChannelOption.SO_KEEPALIVE, null)
                .usePlaintext().build();
        channels.add(channel);
        return channel;
    }

    private void watch(String endpoint) {
        ClientCall<Empty, ListAndWatchResponse> call = channel(endpoint).newCall(KubeletApi.LIST_AND_WATCH, CallOptions.DEFAULT);
        ClientCalls.asyncServerStreamingCall(call, Empty.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(ListAndWatchResponse list) {
                lists.put(endpoint, list.getDevicesList().stream().map(d -> d.getID() + " " + d.getHealth()).toList());
            }

            @Override
            public void onError(Throwable t) {
                lists.put(endpoint, List.of("(stream ended: " + t.getMessage() + ")"));
            }

            @Override
            public void onCompleted() {
                lists.put(endpoint, List.of("(stream ended)"));
            }
        });
    }

    /** The plugin's devices as it last listed them: id and health each. */
    public List<String> listed(String endpoint) {
        return lists.getOrDefault(endpoint, List.of("(nothing heard yet)"));
    }

    /** What a container that asked for the resource gets of this device. */
    public AllocateResponse allocate(String endpoint, String... ids) {
        return ClientCalls.blockingUnaryCall(channel(endpoint), KubeletApi.ALLOCATE, CallOptions.DEFAULT, AllocateRequest.newBuilder()
                .addContainerRequests(ContainerAllocateRequest.newBuilder().addAllDevicesIds(List.of(ids))).build());
    }

    @Override
    public void close() throws InterruptedException {
        channels.forEach(ManagedChannel::shutdownNow);
        if (server != null) {
            server.shutdownNow();
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
}
