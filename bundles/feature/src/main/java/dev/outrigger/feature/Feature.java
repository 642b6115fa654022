package dev.outrigger.feature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.outrigger.framework.json.Json;

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
        Map<String, Object> json;
        try {
            json = Json.object(Files.readAllBytes(file));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " is not valid JSON (" + e.getMessage() + ")", e);
        }
        try {
            return parse(json, file.toString());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e); // names the file already
        }
    }

    /**
     * The features of a folder: those that can be read, with their includes flattened, and why
     * each of the others cannot be (by file name): one file written wrong, or a feature that
     * includes it, takes no other feature with it.
     */
    public record Catalog(List<Feature> features, Map<String, String> unreadable) {

        /** Every feature, or an IOException saying which cannot be read: for what needs them all, as an uninstall. */
        public List<Feature> all() throws IOException {
            if (!unreadable.isEmpty()) {
                throw new IOException(String.join("; ", unreadable.values()));
            }
            return features;
        }
    }

    /** Every {@code *.json} feature in a folder, sorted by name; an IOException only when the folder cannot be listed. */
    public static Catalog catalog(Path folder) throws IOException {
        Map<ArtifactId, Feature> written = new LinkedHashMap<>();
        Map<ArtifactId, String> files = new LinkedHashMap<>();
        Map<String, String> unreadable = new LinkedHashMap<>();
        try (var listing = Files.list(folder)) {
            for (Path file : (Iterable<Path>) listing.filter(f -> f.toString().endsWith(".json")).sorted()::iterator) {
                try {
                    Feature f = read(file);
                    written.put(f.id(), f);
                    files.put(f.id(), file.getFileName().toString());
                } catch (IOException e) {
                    unreadable.put(file.getFileName().toString(), e.getMessage());
                }
            }
        }
        List<Feature> features = new ArrayList<>();
        for (Feature f : written.values()) {
            try {
                features.add(f.includes().isEmpty() ? f : f.flatten(written, new LinkedHashSet<>(), folder));
            } catch (IOException e) {
                unreadable.put(files.get(f.id()), e.getMessage());
            }
        }
        return new Catalog(List.copyOf(features), Collections.unmodifiableMap(unreadable));
    }

    /** Every {@code *.json} feature in a folder, sorted by name, with includes flattened; an IOException if one cannot be read. */
    public static List<Feature> readAll(Path folder) throws IOException {
        return catalog(folder).all();
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
                throw new IOException(folder + ": feature " + name + " includes " + included + ", which is not there or cannot be read");
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

    static Feature parse(Map<String, Object> json, String source) {
        ArtifactId id = artifact(required(json, "id", source), source);
        List<Entry> bundles = new ArrayList<>();
        for (Object o : typed(json, "bundles", List.class, List.of(), source)) {
            Map<String, Object> bundle = object(o, "each of \"bundles\"", source);
            Number order = typed(bundle, "start-order", Number.class, DEFAULT_START_ORDER, source);
            bundles.add(new Entry(artifact(required(bundle, "id", source), source), order.intValue()));
        }
        Map<String, Map<String, Object>> configurations = new LinkedHashMap<>();
        typed(json, "configurations", Map.class, Map.of(), source).forEach((pid, props) -> configurations.put((String) pid,
                Collections.unmodifiableMap(object(props, "configuration " + pid, source))));
        List<ArtifactId> includes = new ArrayList<>();
        typed(json, "extensions", Map.class, Map.of(), source).forEach((name, value) -> {
            Map<String, Object> extension = object(value, "extension " + name, source);
            if (name.equals(INCLUDES)) {
                for (Object artifact : typed(extension, "artifacts", List.class, List.of(), source)) {
                    includes.add(artifact(required(object(artifact, "each artifact of " + INCLUDES, source), "id", source), source));
                }
            } else if ("mandatory".equalsIgnoreCase(String.valueOf(extension.getOrDefault("kind", "optional")))) {
                throw new IllegalArgumentException(source + ": mandatory extension \"" + name + "\" is not supported here");
            }
        });
        return new Feature(id.artifactId(), id, typed(json, "description", String.class, "", source), List.copyOf(includes),
                List.copyOf(bundles), Collections.unmodifiableMap(configurations));
    }

    /** The value of {@code key}, of the type the specification gives it, or {@code absent}; else a message naming both. */
    @SuppressWarnings("unchecked")
    private static <T> T typed(Map<String, Object> json, String key, Class<? super T> type, T absent, String source) {
        Object value = json.get(key);
        if (value == null) {
            return absent;
        }
        if (!type.isInstance(value)) {
            throw new IllegalArgumentException(source + ": \"" + key + "\" is " + kind(value) + ", not " + kind(type));
        }
        return (T) value;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object value, String what, String source) {
        if (!(value instanceof Map)) {
            throw new IllegalArgumentException(source + ": " + what + " is " + kind(value) + ", not an object");
        }
        return (Map<String, Object>) value;
    }

    private static String kind(Object value) {
        return kind(value.getClass());
    }

    private static String kind(Class<?> type) {
        return Map.class.isAssignableFrom(type) ? "an object" : List.class.isAssignableFrom(type) ? "a list"
                : Number.class.isAssignableFrom(type) ? "a number" : type == String.class ? "a string"
                : type == Boolean.class ? "true or false" : "a " + type.getSimpleName();
    }

    private static ArtifactId artifact(String id, String source) {
        try {
            return ArtifactId.parse(id);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    private static String required(Map<String, Object> json, String key, String source) {
        Object value = json.get(key);
        if (!(value instanceof String s) || s.isBlank()) {
            throw new IllegalArgumentException(source + ": \"" + key + "\" is missing");
        }
        return s;
    }
}
