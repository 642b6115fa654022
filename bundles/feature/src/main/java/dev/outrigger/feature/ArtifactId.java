package dev.outrigger.feature;

import java.nio.file.Path;

/**
 * A Maven artifact as the Feature specification writes it:
 * {@code groupId:artifactId[:type[:classifier]]:version}.
 */
public record ArtifactId(String groupId, String artifactId, String type, String classifier, String version) {

    public static ArtifactId parse(String id) {
        String[] p = id.split(":");
        return switch (p.length) {
            case 3 -> new ArtifactId(p[0], p[1], "jar", null, p[2]);
            case 4 -> new ArtifactId(p[0], p[1], p[2], null, p[3]);
            case 5 -> new ArtifactId(p[0], p[1], p[2], p[3], p[4]);
            default -> throw new IllegalArgumentException(
                    "\"" + id + "\" is not groupId:artifactId[:type[:classifier]]:version");
        };
    }

    /** The file name Maven gives it, e.g. {@code org.apache.felix.scr-2.2.12.jar}. */
    public String fileName() {
        return artifactId + "-" + version + (classifier == null ? "" : "-" + classifier) + "." + type;
    }

    /** Where it lies in a repository with Maven's layout. */
    public Path in(Path repository) {
        return repository.resolve(groupId.replace('.', '/')).resolve(artifactId).resolve(version).resolve(fileName());
    }

    @Override
    public String toString() {
        return groupId + ":" + artifactId + ":" + version;
    }
}
