package dev.outrigger.meshtastic;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.osgi.service.component.annotations.Component;

import dev.outrigger.device.SerialDevice;
import dev.outrigger.framework.claims.Claims;

/** The addresses of the configured radios: a device one of them opens gets no automatic session. */
@Component(service = ConfiguredAddresses.class)
public class ConfiguredAddresses {

    private final Claims<SerialDevice> claims = new Claims<>(ConfiguredAddresses::opens);

    Claims<SerialDevice> claims() {
        return claims;
    }

    /** Whether a radio at this address opens the device: its /dev path, its by-id link, or a link to either. */
    static boolean opens(String address, SerialDevice d) {
        if (address.equals(d.path()) || d.byId().filter(address::equals).isPresent()) {
            return true;
        }
        try {
            return address.startsWith("/") && Files.isSameFile(Path.of(address), Path.of(d.path()));
        } catch (IOException notThere) {
            return false;
        }
    }
}
