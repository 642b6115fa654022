package dev.outrigger.mqtt;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.felix.utils.json.JSONWriter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import dev.outrigger.device.SerialDevice;
import dev.outrigger.messaging.Message;

/** The retained device inventory on {@code <root>/<gw>/devices}, republished on plug, unplug and reconnect. */
@Component
public class DeviceInventory {

    private final List<SerialDevice> devices = new CopyOnWriteArrayList<>();
    private final Runnable republish = this::publish;
    private final MqttConnection connection;

    @Activate
    public DeviceInventory(@Reference MqttConnection connection) {
        this.connection = connection;
        connection.onConnect(republish);
    }

    @Deactivate
    void deactivate() {
        connection.removeOnConnect(republish);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addDevice(SerialDevice device) {
        devices.add(device);
        publish();
    }

    void removeDevice(SerialDevice device) {
        devices.remove(device);
        publish();
    }

    private void publish() {
        MqttConnection c = connection;
        if (c != null && c.isConnected()) {
            Message m = new Message(c.topic("devices"), json(devices).getBytes(StandardCharsets.UTF_8), 1, true,
                    Optional.empty(), Optional.empty());
            c.publish(m);
        }
    }

    static String json(List<SerialDevice> devices) {
        StringWriter out = new StringWriter();
        try {
            JSONWriter w = new JSONWriter(out);
            w.array();
            for (SerialDevice d : devices.stream().sorted(Comparator.comparing(SerialDevice::id)).toList()) {
                w.object();
                w.key("id").value(d.id());
                w.key("path").value(d.path());
                w.key("role").value(d.role().key());
                w.key("driver").value(d.driver());
                if (d.byId().isPresent()) {
                    w.key("byId").value(d.byId().get());
                }
                d.usb().ifPresent(u -> {
                    try {
                        w.key("vendorId").value(u.vendorId());
                        w.key("productId").value(u.productId());
                        w.key("manufacturer").value(u.manufacturer());
                        w.key("product").value(u.product());
                        w.key("serial").value(u.serial());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                w.endObject();
            }
            w.endArray();
            w.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

}
