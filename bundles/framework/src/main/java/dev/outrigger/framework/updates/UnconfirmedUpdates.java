package dev.outrigger.framework.updates;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

import dev.outrigger.framework.files.DurableFile;

/**
 * Remote updates of the bundles that remote requests travel through ({@code remote}, {@code mqtt},
 * ...) that wait for the new release to prove the channel still works: the gateway must hear
 * itself through the broker before the deadline. The code that could watch such a release is the
 * code replaced, so the launcher, outside the framework, rolls back what is not confirmed in
 * time, and leaves an outcome for the remote bundle to announce. A folder under {@code data/},
 * shared by the two through files: they run in different class spaces of one process, and an
 * update outlives a restart.
 */
public final class UnconfirmedUpdates {

    /**
     * An update on probation.
     *
     * @param deployFile the bundle's jar in {@code deploy/}, where the previous one goes back
     *        through FileInstall; otherwise the framework takes it
     * @param token what the gateway must hear back to confirm this update, and not an earlier one
     */
    public record Update(String symbolicName, String location, String version, String previousVersion,
            Optional<Path> deployFile, boolean wasActive, Instant deadline, String token) {
    }

    /**
     * What became of an update that was not confirmed: {@code rolledBack}, or {@code rollBackFailed}.
     *
     * @param error why putting the previous release back failed; empty when it did not
     */
    public record Outcome(String symbolicName, String version, String previousVersion, String event, String reason,
            String error) {
    }

    /** The framework property by which the launcher tells the folder it watches. */
    public static final String FOLDER_PROPERTY = "outrigger.updates.unconfirmed";

    private static final String UPDATE = ".update";
    private static final String JAR = ".jar";
    private static final String CLAIMED = ".rolling-back";
    private static final String OUTCOME = ".outcome";

    private final Path folder;

    public UnconfirmedUpdates(Path folder) {
        this.folder = folder;
    }

    /** Records the update with a copy of the previous jar; a later update of the same bundle replaces it. */
    public void add(Update update, Path previousJar) throws IOException {
        Files.createDirectories(folder);
        Path jar = file(update.symbolicName(), JAR);
        DurableFile.replace(jar, out -> Files.copy(previousJar, out));
        Properties p = new Properties();
        p.setProperty("symbolicName", update.symbolicName());
        p.setProperty("location", update.location());
        p.setProperty("version", update.version());
        p.setProperty("previousVersion", update.previousVersion());
        update.deployFile().ifPresent(f -> p.setProperty("deployFile", f.toString()));
        p.setProperty("wasActive", Boolean.toString(update.wasActive()));
        p.setProperty("deadline", update.deadline().toString());
        p.setProperty("token", update.token());
        DurableFile.replace(file(update.symbolicName(), UPDATE), out -> p.store(out, "an update waiting to be confirmed"));
    }

    /** The updates waiting; a file that cannot be read is skipped (and ended by the next update of its bundle). */
    public List<Update> waiting() {
        List<Update> updates = new ArrayList<>();
        for (Path f : files(UPDATE)) {
            try {
                Properties p = load(f);
                updates.add(new Update(p.getProperty("symbolicName"), p.getProperty("location"), p.getProperty("version"),
                        p.getProperty("previousVersion"), Optional.ofNullable(p.getProperty("deployFile")).map(Path::of),
                        Boolean.parseBoolean(p.getProperty("wasActive")), Instant.parse(p.getProperty("deadline")),
                        p.getProperty("token")));
            } catch (IOException | RuntimeException e) {
                // removed meanwhile, or written by hand: nothing to act on
            }
        }
        return updates;
    }

    /** The gateway heard this update's token: it stands. False when it was ended or claimed meanwhile. */
    public boolean confirm(String symbolicName, String token) {
        Path f = file(symbolicName, UPDATE);
        try {
            if (!token.equals(load(f).getProperty("token"))) {
                return false;
            }
            Files.delete(f);
        } catch (IOException e) {
            return false; // gone: confirmed, ended or claimed already
        }
        deleteQuietly(file(symbolicName, JAR));
        return true;
    }

    /** A newer request for the bundle, or an update that failed at once: no longer waiting. */
    public void end(String symbolicName) {
        deleteQuietly(file(symbolicName, UPDATE));
        deleteQuietly(file(symbolicName, JAR));
    }

    /**
     * Takes an update over for rolling back, unless it was confirmed or ended meanwhile (the rename
     * decides between the two sides).
     *
     * @return the previous jar to put back
     */
    public Optional<Path> claim(Update update) {
        try {
            Files.move(file(update.symbolicName(), UPDATE), file(update.symbolicName(), CLAIMED), StandardCopyOption.ATOMIC_MOVE);
            return Optional.of(file(update.symbolicName(), JAR));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The claimed update is done with: its outcome stays until announced. */
    public void finish(Outcome outcome) throws IOException {
        Properties p = new Properties();
        p.setProperty("symbolicName", outcome.symbolicName());
        p.setProperty("version", outcome.version());
        p.setProperty("previousVersion", outcome.previousVersion());
        p.setProperty("event", outcome.event());
        p.setProperty("reason", outcome.reason());
        p.setProperty("error", outcome.error());
        DurableFile.replace(file(outcome.symbolicName(), OUTCOME), out -> p.store(out, "what became of an unconfirmed update"));
        deleteQuietly(file(outcome.symbolicName(), CLAIMED));
        deleteQuietly(file(outcome.symbolicName(), JAR));
    }

    /** Claims left by a process that stopped half-way: waiting again, so that they are rolled back after all. */
    public void reopenClaims() {
        for (Path f : files(CLAIMED)) {
            String name = f.getFileName().toString();
            try {
                Files.move(f, folder.resolve(name.substring(0, name.length() - CLAIMED.length()) + UPDATE),
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Outcomes not announced yet. */
    public List<Outcome> outcomes() {
        List<Outcome> outcomes = new ArrayList<>();
        for (Path f : files(OUTCOME)) {
            try {
                Properties p = load(f);
                outcomes.add(new Outcome(p.getProperty("symbolicName"), p.getProperty("version"),
                        p.getProperty("previousVersion"), p.getProperty("event"), p.getProperty("reason"),
                        p.getProperty("error", "")));
            } catch (IOException e) {
                // announced and removed meanwhile
            }
        }
        return outcomes;
    }

    public void announced(Outcome outcome) {
        deleteQuietly(file(outcome.symbolicName(), OUTCOME));
    }

    private Path file(String symbolicName, String suffix) {
        // symbolic names are dotted tokens; anything else must not reach outside the folder
        return folder.resolve(symbolicName.replaceAll("[^A-Za-z0-9._-]", "_") + suffix);
    }

    private List<Path> files(String suffix) {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder, "*" + suffix)) {
            entries.forEach(found::add);
        } catch (NoSuchFileException e) {
            // nothing was ever updated
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    private static Properties load(Path file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        return p;
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a stale file is ignored: the next add or end of the bundle replaces it
        }
    }
}
