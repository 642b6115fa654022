package dev.outrigger.feature;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.felix.utils.json.JSONParser;

/**
 * A named set of bundles plus their default configuration, read from an OSGi Feature JSON
 * document (OSGi Compendium 8, chapter 160): {@code id}, {@code description}, {@code bundles}
 * (each with an artifact {@code id} and an optional {@code start-order}) and
 * {@code configurations} (PID, or {@code factoryPid~name}, to properties).
 * The feature's short name is the artifact id of its own id, e.g. {@code core}.
 */
public record Feature(String name, ArtifactId id, String description, List<Entry> bundles,
        Map<String, Map<String, Object>> configurations) {

    /** Start order of bundles that name none: after the infrastructure. */
    public static final int DEFAULT_START_ORDER = 80;

    /** A bundle of a feature. */
    public record Entry(ArtifactId artifact, int startOrder) {
    }

    public static Feature read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(new JSONParser(in).getParsed(), file.getFileName().toString());
        } catch (RuntimeException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Every {@code *.json} feature in a folder, sorted by name. */
    public static List<Feature> readAll(Path folder) throws IOException {
        List<Feature> features = new ArrayList<>();
        try (var files = Files.list(folder)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".json")).sorted()::iterator) {
                features.add(read(file));
            }
        }
        return features;
    }

    @SuppressWarnings("unchecked")
    static Feature parse(Map<String, Object> json, String source) {
        ArtifactId id = ArtifactId.parse(required(json, "id", source));
        List<Entry> bundles = new ArrayList<>();
        for (Object o : (List<Object>) json.getOrDefault("bundles", List.of())) {
            Map<String, Object> bundle = (Map<String, Object>) o;
            Object order = bundle.getOrDefault("start-order", DEFAULT_START_ORDER);
            bundles.add(new Entry(ArtifactId.parse(required(bundle, "id", source)), ((Number) order).intValue()));
        }
        Map<String, Map<String, Object>> configurations = new LinkedHashMap<>();
        ((Map<String, Object>) json.getOrDefault("configurations", Map.of())).forEach(
                (pid, props) -> configurations.put(pid, Collections.unmodifiableMap((Map<String, Object>) props)));
        return new Feature(id.artifactId(), id, (String) json.getOrDefault("description", ""),
                List.copyOf(bundles), Collections.unmodifiableMap(configurations));
    }

    private static String required(Map<String, Object> json, String key, String source) {
        Object value = json.get(key);
        if (!(value instanceof String s) || s.isBlank()) {
            throw new IllegalArgumentException(source + ": \"" + key + "\" is missing");
        }
        return s;
    }
}
