package dev.outrigger.assembler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.outrigger.feature.ArtifactId;
import dev.outrigger.feature.ConfigFile;
import dev.outrigger.feature.Feature;

/**
 * Lays out the distribution from the feature descriptors, the single source of truth for what
 * the runtime contains:
 * <ul>
 * <li>{@code features/}: the descriptors, for {@code feature:*} at run time;</li>
 * <li>{@code bundle/}: the framework and the bundles of the {@code core} feature, with their
 * start levels in {@code etc/startup.properties};</li>
 * <li>{@code deploy/}: the bundles of the other boot features (hot: FileInstall);</li>
 * <li>{@code etc/<pid>.cfg}: the boot features' default configurations;</li>
 * <li>one {@code .bndrun} per feature (with core), for the bnd resolver to prove it resolves
 * from exactly the bundles it names.</li>
 * </ul>
 * Usage: {@code Assemble <features> <repository> <framework-id> <distribution> <bndrun-dir> <boot,features>}
 */
public final class Assemble {

    private static final String CORE = "core";

    private final Path repository;
    private final Path distribution;
    private final Map<String, Feature> features = new LinkedHashMap<>();

    private Assemble(Path featureDir, Path repository, Path distribution) throws IOException {
        this.repository = repository;
        this.distribution = distribution;
        for (String generated : List.of("bundle", "deploy", "etc", "features", "data")) {
            deleteTree(distribution.resolve(generated));
        }
        for (Feature f : Feature.readAll(featureDir)) {
            features.put(f.name(), f);
            for (Feature.Entry e : f.bundles()) {
                if (!Files.isRegularFile(e.artifact().in(repository))) {
                    throw new IllegalStateException("feature " + f.name() + " names " + e.artifact()
                            + ", which is not a dependency of run/pom.xml");
                }
            }
        }
        if (!features.containsKey(CORE)) {
            throw new IllegalStateException("no feature named core in " + featureDir);
        }
        copyAll(featureDir, distribution.resolve("features"));
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 6) {
            throw new IllegalArgumentException("usage: Assemble <features> <repository> <framework-id> "
                    + "<distribution> <bndrun-dir> <boot,features>");
        }
        Assemble assemble = new Assemble(Path.of(args[0]), Path.of(args[1]), Path.of(args[3]));
        ArtifactId framework = ArtifactId.parse(args[2]);
        assemble.layOut(framework, Arrays.asList(args[5].split(",")));
        assemble.writeBndruns(framework, Path.of(args[4]));
    }

    private void layOut(ArtifactId framework, List<String> boot) throws IOException {
        Path bundleDir = Files.createDirectories(distribution.resolve("bundle"));
        Path deployDir = Files.createDirectories(distribution.resolve("deploy"));
        Path etc = Files.createDirectories(distribution.resolve("etc"));
        Files.createDirectories(distribution.resolve("data"));
        Files.copy(framework.in(repository), bundleDir.resolve(framework.fileName()), StandardCopyOption.REPLACE_EXISTING);

        Map<String, Integer> startLevels = new TreeMap<>();
        for (Feature.Entry e : features.get(CORE).bundles()) {
            Files.copy(e.artifact().in(repository), bundleDir.resolve(e.artifact().fileName()), StandardCopyOption.REPLACE_EXISTING);
            startLevels.put(e.artifact().fileName(), e.startOrder());
        }
        Files.writeString(etc.resolve("startup.properties"), "# Start level of each jar in bundle/ (generated from features/core.json)\n"
                + startLevels.entrySet().stream().map(e -> e.getKey() + " = " + e.getValue() + "\n").collect(Collectors.joining()));

        for (String name : boot) {
            Feature feature = feature(name);
            if (!name.equals(CORE)) {
                for (Feature.Entry e : feature.bundles()) {
                    Files.copy(e.artifact().in(repository), deployDir.resolve(e.artifact().fileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            for (Map.Entry<String, Map<String, Object>> c : feature.configurations().entrySet()) {
                Files.writeString(etc.resolve(ConfigFile.name(c.getKey())),
                        ConfigFile.text("Default of feature " + name + "; edit freely, changes apply live", c.getValue()));
            }
        }
    }

    /** Each feature together with core must resolve, using no bundle outside the two. */
    private void writeBndruns(ArtifactId framework, Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, ArtifactId> symbolicNames = new LinkedHashMap<>();
        for (Feature f : features.values()) {
            for (Feature.Entry e : f.bundles()) {
                symbolicNames.put(symbolicName(e.artifact().in(repository)), e.artifact());
            }
        }
        try (Stream<Path> jars = Files.walk(repository)) {
            for (Path jar : (Iterable<Path>) jars.filter(p -> p.toString().endsWith(".jar"))::iterator) {
                String bsn = symbolicName(jar);
                if (bsn != null) {
                    symbolicNames.putIfAbsent(bsn, null);
                }
            }
        }
        for (Feature f : features.values()) {
            Set<ArtifactId> members = new LinkedHashSet<>();
            features.get(CORE).bundles().forEach(e -> members.add(e.artifact()));
            f.bundles().forEach(e -> members.add(e.artifact()));
            List<String> requires = new ArrayList<>();
            List<String> blacklist = new ArrayList<>();
            symbolicNames.forEach((bsn, artifact) -> {
                if (bsn.equals(symbolicName(framework.in(repository)))) {
                    return;
                }
                (artifact != null && members.contains(artifact) ? requires : blacklist)
                        .add("bnd.identity;id='" + bsn + "'");
            });
            Files.writeString(dir.resolve(f.name() + ".bndrun"), "# Generated from features/" + f.name() + ".json\n"
                    + "-runfw: " + symbolicName(framework.in(repository)) + ";version='[" + framework.version() + "," + framework.version() + "]'\n"
                    + "-runee: JavaSE-17\n"
                    + "-runrequires: " + String.join(",\\\n  ", requires) + "\n"
                    + (blacklist.isEmpty() ? "" : "-runblacklist: " + String.join(",\\\n  ", blacklist) + "\n"));
        }
    }

    private Feature feature(String name) {
        Feature f = features.get(name);
        if (f == null) {
            throw new IllegalArgumentException("boot feature " + name + " does not exist; features: " + features.keySet());
        }
        return f;
    }

    private static String symbolicName(Path jar) {
        try (JarFile file = new JarFile(jar.toFile())) {
            String bsn = file.getManifest() == null ? null : file.getManifest().getMainAttributes().getValue("Bundle-SymbolicName");
            return bsn == null ? null : bsn.split(";")[0].trim();
        } catch (IOException e) {
            throw new UncheckedIOException(jar + ": " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (Files.exists(root)) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
    }

    private static void copyAll(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
