package dev.outrigger.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Joins single-platform OCI image layout archives into one whose index lists a manifest per
 * platform, as {@code skopeo copy oci-archive:...} and registries expect of a multi-arch image.
 * Blobs shared by the platforms (the distribution layer) are stored once.
 */
final class MultiPlatformArchive {

    private static final ObjectMapper JSON = new ObjectMapper();

    private MultiPlatformArchive() {
    }

    /** @param images single-platform archives by architecture */
    static void write(Map<String, Path> images, String refName, Path target) throws IOException {
        Map<String, byte[]> blobs = new LinkedHashMap<>();
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", "application/vnd.oci.image.index.v1+json");
        ArrayNode manifests = index.putArray("manifests");
        for (Map.Entry<String, Path> image : images.entrySet()) {
            try (InputStream in = Files.newInputStream(image.getValue()); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
                for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                    if (e.getName().startsWith("blobs/")) {
                        blobs.putIfAbsent(e.getName(), tar.readAllBytes());
                    } else if (e.getName().equals("index.json")) {
                        ObjectNode manifest = (ObjectNode) JSON.readTree(tar.readAllBytes()).get("manifests").get(0);
                        ObjectNode platform = manifest.putObject("platform");
                        platform.put("architecture", image.getKey());
                        platform.put("os", "linux");
                        manifests.add(manifest);
                    }
                }
            }
        }
        index.putObject("annotations").put("org.opencontainers.image.ref.name", refName);
        try (OutputStream out = Files.newOutputStream(target); TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            add(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
            add(tar, "index.json", JSON.writeValueAsBytes(index));
            for (Map.Entry<String, byte[]> blob : blobs.entrySet()) {
                add(tar, blob.getKey(), blob.getValue());
            }
        }
    }

    private static void add(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(content.length);
        entry.setModTime(0);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
    }
}
