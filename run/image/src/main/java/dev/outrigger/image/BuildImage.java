package dev.outrigger.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FileEntry;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Platform;

/**
 * OCI image archives, daemonless: one per platform ({@code outrigger-<version>-<arch>.tar}) and
 * one multi-platform archive of them all ({@code outrigger-<version>.tar}). Three layers, the less
 * often changed first: the operating system with the Java runtime (per architecture), the JDK's
 * class data sharing archive (per architecture, and per build), then the distribution (the same
 * bytes for every architecture, so it is stored once). The gateway runs as uid 1000, which owns
 * only what the runtime writes: {@code etc/} (written back), {@code data/} and {@code deploy/}.
 *
 * <p>Arguments: distribution folder, folder of root filesystems by architecture, output folder,
 * version, comma-separated architectures.
 */
public final class BuildImage {

    static final String HOME = "/opt/outrigger";
    static final String RUNTIME_USER = "1000:1000";
    /** Where the JDK keeps its class data sharing archive in the image. */
    static final String CLASS_DATA = "/opt/java/lib/server/classes.jsa";
    private static final Set<String> WRITABLE = Set.of("etc", "data", "deploy");

    private BuildImage() {
    }

    public static void main(String[] args) throws Exception {
        Path distribution = Path.of(args[0]);
        Path rootfs = Path.of(args[1]);
        Path output = Files.createDirectories(Path.of(args[2]));
        String version = args[3];
        Map<String, Path> images = new LinkedHashMap<>();
        // Jib's shared cache knows a file by its path and modification time, which reproducible
        // builds keep constant: a rebuilt bundle would come out of it stale. One cache per build
        // still stores the distribution layer once for all platforms.
        Path layers = Files.createTempDirectory(output.toAbsolutePath().getParent(), "layers");
        try {
            for (String arch : args[4].split(",")) {
                Path tar = output.resolve("outrigger-" + version + "-" + arch + ".tar");
                JibContainer image = build(distribution, rootfs.resolve(arch), arch, version, tar, layers);
                images.put(arch, tar);
                System.out.printf(Locale.ROOT, "image linux/%s: %s, %.1f MB, manifest %s%n", arch, tar.getFileName(),
                        Files.size(tar) / 1e6, image.getDigest());
            }
        } finally {
            try (Stream<Path> all = Files.walk(layers)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Path all = output.resolve("outrigger-" + version + ".tar");
        MultiPlatformArchive.write(images, "outrigger:" + version, all);
        System.out.printf(Locale.ROOT, "image %s: %s, %.1f MB%n", String.join(" + ", images.keySet()), all.getFileName(),
                Files.size(all) / 1e6);
    }

    static JibContainer build(Path distribution, Path rootfs, String arch, String version, Path tar, Path layers)
            throws Exception {
        FileEntriesLayer.Builder rootfsEntries = FileEntriesLayer.builder().setName("system");
        // entry by entry below the root: the root itself is not an entry of a layer
        try (Stream<Path> top = Files.list(rootfs)) {
            for (Path entry : top.sorted().toList()) {
                rootfsEntries.addEntryRecursive(entry, AbsoluteUnixPath.get("/" + entry.getFileName()), BuildImage::permissions,
                        (source, target) -> Instant.EPOCH, (source, target) -> "0:0");
            }
        }
        // the JDK's class data sharing archive in a layer of its own: Java 17 does not dump it the
        // same twice (JDK-8253495), and inside the system layer it would make nodes download all of
        // that layer again for every image built, even with the same Debian packages
        Map<Boolean, List<FileEntry>> split = rootfsEntries.build().getEntries().stream()
                .collect(Collectors.partitioningBy(e -> e.getExtractionPath().toString().equals(CLASS_DATA)));
        FileEntriesLayer outrigger = FileEntriesLayer.builder().setName("outrigger")
                .addEntryRecursive(distribution, AbsoluteUnixPath.get(HOME), BuildImage::permissions,
                        (source, target) -> Instant.EPOCH,
                        (source, target) -> writable(distribution.relativize(source)) ? RUNTIME_USER : "0:0")
                .build();
        return Jib.fromScratch()
                .setFormat(ImageFormat.OCI)
                .setPlatforms(Set.of(new Platform(arch, "linux")))
                .setCreationTime(Instant.EPOCH)
                .setFileEntriesLayers(Stream.of(layer("system", split.get(false)), layer("class data", split.get(true)),
                        Optional.of(outrigger)).flatMap(Optional::stream).toList())
                // the JVM itself receives SIGTERM: bin/outrigger execs it, and there is no shell before it
                .setEntrypoint(HOME + "/bin/outrigger")
                .setUser(RUNTIME_USER)
                .setWorkingDirectory(AbsoluteUnixPath.get(HOME))
                // in a fixed order: that of Map.of and Set.of changes from run to run, and so would the image's digest
                .setEnvironment(new TreeMap<>(Map.of("JAVA_HOME", "/opt/java", "PATH", "/opt/java/bin:/bin")))
                .setVolumes(new LinkedHashSet<>(List.of(AbsoluteUnixPath.get(HOME + "/data"), AbsoluteUnixPath.get(HOME + "/etc"))))
                .setLabels(new TreeMap<>(Map.of("org.opencontainers.image.title", "Outrigger",
                        "org.opencontainers.image.description", "Edge gateway runtime on Apache Felix",
                        "org.opencontainers.image.version", version)))
                .containerize(Containerizer.to(TarImage.at(tar).named(ImageReference.of(null, "outrigger", version)))
                        .setApplicationLayersCache(layers).setToolName("outrigger-image"));
    }

    /** No layer for no entries: a build machine without qemu-user dumps no archive for another architecture. */
    private static Optional<FileEntriesLayer> layer(String name, List<FileEntry> entries) {
        return entries.isEmpty() ? Optional.empty() : Optional.of(FileEntriesLayer.builder().setName(name).setEntries(entries).build());
    }

    private static boolean writable(Path relative) {
        return relative.getNameCount() > 0 && WRITABLE.contains(relative.getName(0).toString());
    }

    private static FilePermissions permissions(Path source, AbsoluteUnixPath target) {
        try {
            Set<PosixFilePermission> posix = Files.getPosixFilePermissions(source);
            // every file readable by the runtime user; executables stay executable
            posix.add(PosixFilePermission.OWNER_READ);
            posix.add(PosixFilePermission.GROUP_READ);
            posix.add(PosixFilePermission.OTHERS_READ);
            if (Files.isDirectory(source) || posix.contains(PosixFilePermission.OWNER_EXECUTE)) {
                posix.add(PosixFilePermission.GROUP_EXECUTE);
                posix.add(PosixFilePermission.OTHERS_EXECUTE);
            }
            if (target.toString().equals("/tmp")) {
                posix.add(PosixFilePermission.GROUP_WRITE);
                posix.add(PosixFilePermission.OTHERS_WRITE);
            }
            return FilePermissions.fromPosixFilePermissions(posix);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the permissions of " + source, e);
        }
    }
}
