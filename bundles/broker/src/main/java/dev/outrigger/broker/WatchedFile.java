package dev.outrigger.broker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A text file the broker's users edit while it runs (the password file, the ACL file): parsed
 * again when its modification time or size changes, so edits apply to the next check without a
 * restart. While it cannot be read it yields a fail-closed value, and says so once per problem.
 */
final class WatchedFile<T> {

    /** Turns the file's lines into what the broker asks; may log about single lines. */
    interface Parser<T> {
        T parse(Path file, List<String> lines);
    }

    private static final Logger LOG = LoggerFactory.getLogger(WatchedFile.class);

    private final Path file;
    private final String what;
    private final Parser<T> parser;
    private final T unreadable;
    private final String meanwhile;
    private T current;
    private FileTime readVersion;
    private long readSize = -1;
    private String lastProblem;

    /**
     * @param what       the file in log lines, e.g. "password file"
     * @param unreadable what the file yields while it cannot be read
     * @param meanwhile  what that means, for the log line, e.g. "refusing every client until it can"
     */
    WatchedFile(Path file, String what, Parser<T> parser, T unreadable, String meanwhile) {
        this.file = file;
        this.what = what;
        this.parser = parser;
        this.unreadable = unreadable;
        this.meanwhile = meanwhile;
        this.current = unreadable;
        // now: a file that is missing or wrong is said as the broker starts, not at its first client
        current();
    }

    Path file() {
        return file;
    }

    /** The file's content as last parsed, parsed again first if it changed. */
    synchronized T current() {
        try {
            // one stat per check: the ACL file is checked for every message routed
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            FileTime modified = attributes.lastModifiedTime();
            long size = attributes.size();
            if (!modified.equals(readVersion) || size != readSize) {
                current = parser.parse(file, Files.readAllLines(file, StandardCharsets.UTF_8));
                readVersion = modified;
                readSize = size;
                lastProblem = null;
            }
        } catch (IOException | RuntimeException e) {
            current = unreadable;
            readVersion = null;
            String problem = e.toString();
            if (!problem.equals(lastProblem)) {
                lastProblem = problem;
                LOG.warn("Embedded MQTT broker cannot read its {} {} ({}); {}", what, file,
                        e instanceof NoSuchFileException ? "no such file" : e.getMessage(), meanwhile);
            }
        }
        return current;
    }
}
