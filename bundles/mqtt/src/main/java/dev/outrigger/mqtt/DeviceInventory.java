package dev.outrigger.mqtt;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import dev.outrigger.device.SerialBridge;
import dev.outrigger.device.SerialDevice;
import dev.outrigger.framework.json.Json;
import dev.outrigger.messaging.Message;

/**
 * The retained device inventory on {@code <root>/<gw>/devices}, with the port each bridged device is
 * served on; republished on plug, unplug, a bridge that starts or stops serving, and reconnect.
 */
@Component
public class DeviceInventory {

    private final List<SerialDevice> devices = new CopyOnWriteArrayList<>();
    private final List<SerialBridge> bridges = new CopyOnWriteArrayList<>();
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

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addBridge(SerialBridge bridge) {
        bridges.add(bridge);
        publish();
    }

    void removeBridge(SerialBridge bridge) {
        bridges.remove(bridge);
        publish();
    }

    /**
     * One at a time, each the lists as they are when it is made: the plug and the bridge that
     * starts serving arrive on different threads, and two publications made side by side could
     * reach the broker in the wrong order, leaving a stale inventory retained until the next change.
     */
    private synchronized void publish() {
        MqttConnection c = connection;
        if (c != null && c.isConnected()) {
            Message m = new Message(c.topic("devices"), json(devices, bridges), 1, true,
                    Optional.empty(), Optional.empty());
            c.publish(m);
        }
    }

    private static byte[] json(List<SerialDevice> devices, List<SerialBridge> bridges) {
        List<Map<String, Object>> inventory = new ArrayList<>();
        for (SerialDevice d : devices.stream().sorted(Comparator.comparing(SerialDevice::id)).toList()) {
            Map<String, Object> device = new LinkedHashMap<>();
            device.put("id", d.id());
            device.put("path", d.path());
            device.put("role", d.role().key());
            device.put("driver", d.driver());
            d.byId().ifPresent(byId -> device.put("byId", byId));
            // the USB port: what tells sticks alike apart
            d.byPath().ifPresent(byPath -> device.put("byPath", byPath));
            bridges.stream().filter(b -> b.deviceId().equals(d.id())).findFirst().ifPresent(b -> device.put("bridgePort", b.port()));
            d.usb().ifPresent(u -> {
                device.put("vendorId", u.vendorId());
                device.put("productId", u.productId());
                device.put("manufacturer", u.manufacturer());
                device.put("product", u.product());
                device.put("serial", u.serial());
            });
            inventory.add(device);
        }
        return Json.bytes(inventory);
    }
}
