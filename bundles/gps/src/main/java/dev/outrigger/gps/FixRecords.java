package dev.outrigger.gps;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.OptionalDouble;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import dev.outrigger.outbox.OutboxRecord;

/**
 * A fix as an outbox record on {@code gps/<device id>}: JSON with the field names of gpsd's TPV
 * report ({@code class}, {@code device}, {@code mode}, {@code time}, {@code lat}, {@code lon},
 * {@code altMSL}, {@code speed}, {@code track}) plus {@code uSat} and {@code hdop} from its SKY
 * report, so that what reads gpsd's JSON reads this. Retained: a new subscriber learns at once where
 * the gateway is.
 */
final class FixRecords {

    private static final JsonFactory JSON = new JsonFactory();

    private FixRecords() {
    }

    static OutboxRecord record(String deviceId, String path, Fix fix, long nowMillis) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("class", "TPV");
            json.writeStringField("device", path);
            json.writeNumberField("mode", fix.mode());
            if (fix.time().isPresent()) {
                json.writeStringField("time", fix.time().get().toString());
            }
            number(json, "lat", fix.lat());
            number(json, "lon", fix.lon());
            number(json, "altMSL", fix.altMsl());
            number(json, "speed", fix.speed());
            number(json, "track", fix.track());
            if (fix.satellites().isPresent()) {
                json.writeNumberField("uSat", fix.satellites().getAsInt());
            }
            number(json, "hdop", fix.hdop());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return new OutboxRecord(topic(deviceId), out.toByteArray(), 1, true, nowMillis);
    }

    /** The topic of a receiver's fixes. */
    static String topic(String deviceId) {
        // a device id is a file name: it has no '/', but keep MQTT's wildcards out all the same
        return "gps/" + deviceId.replaceAll("[/+#\\x00]", "_");
    }

    private static void number(JsonGenerator json, String name, OptionalDouble value) throws IOException {
        if (value.isPresent()) {
            json.writeNumberField(name, value.getAsDouble());
        }
    }
}
