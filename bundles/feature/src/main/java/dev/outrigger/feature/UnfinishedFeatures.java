package dev.outrigger.feature;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import dev.outrigger.framework.files.DurableFile;

/**
 * The features whose installation or uninstallation is under way, one per line in a file of the
 * data folder while it is: what a stop or a power cut left there, the next start finishes.
 */
final class UnfinishedFeatures {

    private final Path file;

    UnfinishedFeatures(Path file) {
        this.file = file;
    }

    List<String> names() throws IOException {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(n -> !n.isBlank()).toList();
        } catch (NoSuchFileException none) {
            return List.of();
        }
    }

    void mark(String name) throws IOException {
        List<String> names = names();
        if (!names.contains(name)) {
            write(Stream.concat(names.stream(), Stream.of(name)).toList());
        }
    }

    void clear(String name) throws IOException {
        List<String> names = names();
        if (names.contains(name)) {
            write(names.stream().filter(n -> !n.equals(name)).toList());
        }
    }

    private void write(List<String> names) throws IOException {
        if (names.isEmpty()) {
            Files.deleteIfExists(file);
        } else {
            DurableFile.replace(file, String.join("\n", names).getBytes(StandardCharsets.UTF_8));
        }
    }
}
