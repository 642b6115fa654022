package dev.outrigger.itest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Variants of a bundle jar for tests: other manifest headers, other resources. */
final class Jars {

    private Jars() {
    }

    /** Copies {@code source} to {@code target} with the given main manifest headers set. */
    static Path withHeaders(Path source, Path target, Map<String, String> headers) throws IOException {
        return variant(source, target, headers, Map.of());
    }

    /** Copies {@code source} to {@code target} with the given main manifest headers set and entries replaced. */
    static Path variant(Path source, Path target, Map<String, String> headers, Map<String, String> entries) throws IOException {
        try (JarInputStream in = new JarInputStream(Files.newInputStream(source))) {
            Manifest manifest = new Manifest(in.getManifest());
            headers.forEach((k, v) -> manifest.getMainAttributes().put(new Attributes.Name(k), v));
            Path tmp = scratchFor(target);
            try (OutputStream file = Files.newOutputStream(tmp); JarOutputStream out = new JarOutputStream(file, manifest)) {
                for (JarEntry e; (e = in.getNextJarEntry()) != null;) {
                    out.putNextEntry(new JarEntry(e.getName()));
                    if (entries.containsKey(e.getName())) {
                        out.write(entries.get(e.getName()).getBytes(StandardCharsets.UTF_8));
                    } else {
                        in.transferTo(out);
                    }
                    out.closeEntry();
                }
            }
            // appear at once: FileInstall must never see a half-written jar
            return Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** The bytes of one entry of a jar. */
    static byte[] entry(Path jar, String name) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            JarEntry entry = file.getJarEntry(name);
            if (entry == null) {
                throw new IOException(jar + " has no " + name);
            }
            try (InputStream in = file.getInputStream(entry)) {
                return in.readAllBytes();
            }
        }
    }

    /** A temporary file next to (not in) the target's folder, so that a watcher never sees it. */
    private static Path scratchFor(Path target) throws IOException {
        return Files.createTempFile(target.toAbsolutePath().getParent().getParent(), "jar", ".tmp");
    }

    /** Copies a file so that it appears in its folder at once. */
    static Path place(Path source, Path target) throws IOException {
        Path tmp = scratchFor(target);
        try (InputStream in = Files.newInputStream(source)) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        return Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }
}
