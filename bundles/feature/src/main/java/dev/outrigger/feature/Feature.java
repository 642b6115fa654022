package dev.outrigger.feature;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.felix.utils.json.JSONParser;

/**
 * A named set of bundles plus their default configuration, read from an OSGi Feature JSON
 * document (OSGi Compendium 8, chapter 159): {@code id}, {@code description}, {@code bundles}
 * (each with an artifact {@code id} and an optional {@code start-order}) and
 * {@code configurations} (PID, or {@code factoryPid~name}, to properties).
 * The feature's short name is the artifact id of its own id, e.g. {@code core}.
 * <p>
 * The specification has no way for one feature to contain others, so a feature that stands for
 * several (as {@code gateway} does) names them in a mandatory artifacts extension,
 * {@value #INCLUDES}; reading a folder flattens it into their bundles and configurations, its
 * own last. Any other mandatory extension is refused, as the specification asks of a reader that
 * does not know it.
 */
public record Feature(String name, ArtifactId id, String description, List<ArtifactId> includes, List<Entry> bundles,
        Map<String, Map<String, Object>> configurations) {

    /** Start order of bundles that name none: after the infrastructure. */
    public static final int DEFAULT_START_ORDER = 80;

    /** The extension listing the features a feature contains. */
    public static final String INCLUDES = "dev.outrigger.includes";

    /** A bundle of a feature. */
    public record Entry(ArtifactId artifact, int startOrder) {
    }

    /** One feature file as written, its includes not flattened. */
    public static Feature read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(new JSONParser(in).getParsed(), file.getFileName().toString());
        } catch (RuntimeException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Every {@code *.json} feature in a folder, sorted by name, with includes flattened. */
    public static List<Feature> readAll(Path folder) throws IOException {
        Map<ArtifactId, Feature> written = new LinkedHashMap<>();
        try (var files = Files.list(folder)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".json")).sorted()::iterator) {
                Feature f = read(file);
                written.put(f.id(), f);
            }
        }
        List<Feature> features = new ArrayList<>();
        for (Feature f : written.values()) {
            features.add(f.includes().isEmpty() ? f : f.flatten(written, new LinkedHashSet<>(), folder));
        }
        return features;
    }

    /** Whether this feature contains the other, directly or through the features it includes. */
    public boolean includes(Feature other, List<Feature> all) {
        for (ArtifactId included : includes) {
            if (included.equals(other.id()) || all.stream().filter(f -> f.id().equals(included))
                    .anyMatch(f -> f.includes(other, all))) {
                return true;
            }
        }
        return false;
    }

    private Feature flatten(Map<ArtifactId, Feature> written, Set<ArtifactId> path, Path folder) throws IOException {
        if (!path.add(id)) {
            throw new IOException(folder + ": features include each other: " + path + " and " + id + " again");
        }
        Map<ArtifactId, Entry> allBundles = new LinkedHashMap<>();
        Map<String, Map<String, Object>> allConfigurations = new LinkedHashMap<>();
        for (ArtifactId included : includes) {
            Feature part = written.get(included);
            if (part == null) {
                throw new IOException(folder + ": feature " + name + " includes " + included + ", which is not there");
            }
            part = part.flatten(written, path, folder);
            part.bundles().forEach(e -> allBundles.putIfAbsent(e.artifact(), e));
            allConfigurations.putAll(part.configurations());
        }
        bundles.forEach(e -> allBundles.putIfAbsent(e.artifact(), e));
        allConfigurations.putAll(configurations);
        path.remove(id);
        return new Feature(name, id, description, includes, List.copyOf(allBundles.values()),
                Collections.unmodifiableMap(allConfigurations));
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
        List<ArtifactId> includes = new ArrayList<>();
        ((Map<String, Object>) json.getOrDefault("extensions", Map.of())).forEach((name, value) -> {
            Map<String, Object> extension = (Map<String, Object>) value;
            if (name.equals(INCLUDES)) {
                for (Object artifact : (List<Object>) extension.getOrDefault("artifacts", List.of())) {
                    includes.add(ArtifactId.parse(required((Map<String, Object>) artifact, "id", source)));
                }
            } else if ("mandatory".equalsIgnoreCase(String.valueOf(extension.getOrDefault("kind", "optional")))) {
                throw new IllegalArgumentException(source + ": mandatory extension \"" + name + "\" is not supported here");
            }
        });
        return new Feature(id.artifactId(), id, (String) json.getOrDefault("description", ""), List.copyOf(includes),
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
