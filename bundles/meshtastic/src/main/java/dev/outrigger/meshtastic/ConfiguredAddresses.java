package dev.outrigger.meshtastic;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.device.SerialDevice;
import dev.outrigger.framework.claims.Claims;
import dev.outrigger.framework.devices.DeviceNames;

/**
 * The addresses of the configured radios: a device one of them opens gets no automatic session, and
 * a radio has one configured session at a time (its TCP API serves one client, its serial port one
 * program); a second configuration of the same radio waits in line.
 */
@Component(service = ConfiguredAddresses.class)
public class ConfiguredAddresses {

    /** A configured radio's place: holding its radio, or in line behind the one that does. */
    private static final class Place {
        final Object owner;
        final String address;
        final RadioAddress radio;
        final Runnable start;
        boolean holds;

        Place(Object owner, String address, Runnable start) {
            this.owner = owner;
            this.address = address;
            this.radio = RadioAddress.parse(address);
            this.start = start;
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(ConfiguredAddresses.class);

    private final Claims<SerialDevice> claims = new Claims<>(ConfiguredAddresses::opens);
    private final List<Place> places = new ArrayList<>(); // guarded by this

    /**
     * Runs {@code start} now when no other configured radio holds the radio at this address, else
     * once the ones before it have let go; returns the address of the one holding it.
     */
    Optional<String> take(Object owner, String address, Runnable start) {
        Place place = new Place(owner, address, start);
        Optional<String> holder;
        synchronized (this) {
            holder = places.stream().filter(p -> p.holds && p.radio.sameRadio(place.radio)).map(p -> p.address).findFirst();
            place.holds = holder.isEmpty();
            places.add(place);
        }
        if (place.holds) {
            start.run();
        }
        return holder;
    }

    /** The owner's session has ended (or never started): the next in line for its radio starts. */
    void letGo(Object owner) {
        Place gone;
        Optional<Place> next = Optional.empty();
        synchronized (this) {
            gone = places.stream().filter(p -> p.owner == owner).findFirst().orElse(null);
            if (gone == null) {
                return;
            }
            places.remove(gone);
            if (gone.holds) {
                next = places.stream().filter(p -> !p.holds && p.radio.sameRadio(gone.radio)).findFirst();
                next.ifPresent(p -> p.holds = true);
            }
        }
        next.ifPresent(p -> {
            LOG.info("Meshtastic: the radio at {} is free now; the configuration waiting for it as {} starts", gone.address, p.address);
            p.start.run();
        });
    }

    Claims<SerialDevice> claims() {
        return claims;
    }

    /** Whether a radio at this address opens the device: its /dev path, its by-id or by-path link, or another link to it. */
    static boolean opens(String address, SerialDevice d) {
        return address.startsWith("/") && DeviceNames.isNameOf(address, d);
    }
}
