package dev.outrigger.deviceplugin;

import java.io.IOException;
import java.io.InputStream;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;

import dev.outrigger.deviceplugin.proto.AllocateRequest;
import dev.outrigger.deviceplugin.proto.AllocateResponse;
import dev.outrigger.deviceplugin.proto.DevicePluginOptions;
import dev.outrigger.deviceplugin.proto.Empty;
import dev.outrigger.deviceplugin.proto.ListAndWatchResponse;
import dev.outrigger.deviceplugin.proto.RegisterRequest;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Status;

/**
 * The kubelet's device plugin API, v1beta1, as gRPC methods: the kubelet's Registration service and
 * the DevicePlugin service a plugin serves. Declared here rather than generated, for the three
 * calls a plugin without pre-start hooks and preferred allocations answers.
 */
final class KubeletApi {

    static final String VERSION = "v1beta1";
    /** The kubelet's socket in its device plugin folder. */
    static final String KUBELET_SOCKET = "kubelet.sock";

    static final MethodDescriptor<RegisterRequest, Empty> REGISTER = unary("v1beta1.Registration/Register",
            RegisterRequest.parser(), Empty.parser());

    static final MethodDescriptor<Empty, DevicePluginOptions> GET_OPTIONS = unary("v1beta1.DevicePlugin/GetDevicePluginOptions",
            Empty.parser(), DevicePluginOptions.parser());

    static final MethodDescriptor<Empty, ListAndWatchResponse> LIST_AND_WATCH = MethodDescriptor
            .<Empty, ListAndWatchResponse>newBuilder().setType(MethodType.SERVER_STREAMING)
            .setFullMethodName("v1beta1.DevicePlugin/ListAndWatch")
            .setRequestMarshaller(marshaller(Empty.parser())).setResponseMarshaller(marshaller(ListAndWatchResponse.parser()))
            .build();

    static final MethodDescriptor<AllocateRequest, AllocateResponse> ALLOCATE = unary("v1beta1.DevicePlugin/Allocate",
            AllocateRequest.parser(), AllocateResponse.parser());

    private KubeletApi() {
    }

    private static <Q extends MessageLite, A extends MessageLite> MethodDescriptor<Q, A> unary(String name, Parser<Q> request,
            Parser<A> response) {
        return MethodDescriptor.<Q, A>newBuilder().setType(MethodType.UNARY).setFullMethodName(name)
                .setRequestMarshaller(marshaller(request)).setResponseMarshaller(marshaller(response)).build();
    }

    /** Protobuf messages on the wire, without grpc-protobuf and the Google API protos it brings. */
    private static <T extends MessageLite> MethodDescriptor.Marshaller<T> marshaller(Parser<T> parser) {
        return new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(T value) {
                return value.toByteString().newInput();
            }

            @Override
            public T parse(InputStream stream) {
                try {
                    return parser.parseFrom(stream);
                } catch (IOException e) {
                    throw Status.INTERNAL.withDescription("malformed message: " + e.getMessage()).withCause(e).asRuntimeException();
                }
            }
        };
    }
}
