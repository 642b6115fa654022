package dev.outrigger.itest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

import dev.outrigger.feature.Feature;

/** The distribution built by run/ (run/target/outrigger), as the tests see it. */
final class Distribution {

    static final Path HOME = Path.of(System.getProperty("outrigger.distribution", "../run/target/outrigger"))
            .toAbsolutePath().normalize();
    static final Path FIXTURE = Path.of(System.getProperty("fixture.jar")).toAbsolutePath();
    /** The Kubernetes manifests' kustomize base, beside its components and overlays. */
    static final Path K8S_BASE = Path.of(System.getProperty("outrigger.k8s", "../run/src/main/k8s/base"));

    private Distribution() {
    }

    /** The bundles of a feature, as files in the distribution's repository. */
    static List<Feature.Entry> bundles(String feature) throws IOException {
        return Feature.readAll(HOME.resolve("features")).stream().filter(f -> f.name().equals(feature))
                .findFirst().orElseThrow(() -> new IllegalStateException("no feature " + feature)).bundles();
    }

    static Path file(Feature.Entry entry) {
        return entry.artifact().in(HOME.resolve("repository"));
    }

    /** A private copy of the whole distribution, so that a test may run it and write to it. */
    static Path copyTo(Path target) throws IOException {
        try (Stream<Path> files = Files.walk(HOME)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path copy = target.resolve(HOME.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(source, copy, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return target;
    }
}
