package dev.outrigger.framework.json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.jr.ob.JSON;

/**
 * JSON objects as maps, for requests from the network and the small files kept under {@code data/}, on
 * jackson-jr. Strict, because a request that is read differently from how it was meant is worse than one
 * refused: exactly one object, nothing after it, no key twice.
 */
public final class Json {

    // a null written says something ("reset to the default", "there was none"); plain maps, in the order read
    private static final JSON JSON_OBJECTS = JSON.std
            .with(JSON.Feature.FAIL_ON_DUPLICATE_MAP_KEYS, JSON.Feature.WRITE_NULL_PROPERTIES)
            .without(JSON.Feature.USE_DEFERRED_MAPS);

    private Json() {
    }

    /**
     * The object the text holds: integers as {@code Long} (beyond its range {@code BigInteger}), other numbers as
     * {@code Double}, arrays as lists.
     *
     * @throws IllegalArgumentException saying what is wrong and where (line and column)
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(byte[] utf8) {
        try (JsonParser parser = JSON_OBJECTS.createParser(utf8)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object" + at(parser.currentTokenLocation()));
            }
            Map<String, Object> object = JSON_OBJECTS.mapFrom(parser);
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException("more after the JSON object" + at(parser.currentTokenLocation()));
            }
            return (Map<String, Object>) longIntegers(object);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e.getOriginalMessage() + at(e.getLocation()), e);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Maps, lists, strings, numbers, booleans and nulls as UTF-8 JSON. */
    public static byte[] bytes(Object value) {
        try {
            return JSON_OBJECTS.asBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // written to memory: not expected
        }
    }

    /** One type for every integer that fits, whatever its size, so that callers and tests compare like with like. */
    @SuppressWarnings("unchecked") // jackson-jr's maps and lists hold any value
    private static Object longIntegers(Object value) {
        if (value instanceof Integer i) {
            return i.longValue();
        }
        if (value instanceof Map<?, ?> map) {
            ((Map<String, Object>) map).replaceAll((k, v) -> longIntegers(v));
        } else if (value instanceof List<?> list) {
            ((List<Object>) list).replaceAll(Json::longIntegers);
        }
        return value;
    }

    private static String at(JsonLocation where) {
        return where == null ? "" : " at line " + where.getLineNr() + ", column " + where.getColumnNr();
    }
}
