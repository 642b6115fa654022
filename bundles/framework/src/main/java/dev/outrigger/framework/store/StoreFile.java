package dev.outrigger.framework.store;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.function.UnaryOperator;

import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;

/**
 * An H2 MVStore file opened the way an edge node needs: after a kill or a power cut MVStore goes
 * back to its last complete commit by itself (a torn tail is ignored), and this says that it had
 * to; a file too damaged to open is moved aside, never deleted, and a new one started, so that a
 * bad sector costs what it held and not the gateway. A file another process holds (locked) is not
 * damaged: that failure is the caller's.
 */
public final class StoreFile {

    /**
     * @param store open
     * @param uncleanStop whether the file was in use when its last process ended (killed, power cut):
     *        what it holds is its last complete commit
     * @param keptAside where a file that could not be opened was moved
     * @param damage why it could not be opened, if it could not
     */
    public record Opened(MVStore store, boolean uncleanStop, Optional<Path> keptAside, String damage) {
    }

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private StoreFile() {
    }

    public static Opened open(Path file, UnaryOperator<MVStore.Builder> options) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        boolean existed = Files.exists(file) && Files.size(file) > 0;
        try {
            MVStore store = options.apply(new MVStore.Builder().fileName(file.toString())).open();
            // MVStore marks a file clean in its header when it is closed, and clears the mark on its first write
            boolean clean = "1".equals(String.valueOf(store.getFileStore().getStoreHeader().get("clean")));
            return new Opened(store, existed && !clean, Optional.empty(), "");
        } catch (MVStoreException e) {
            if (e.getErrorCode() != DataUtils.ERROR_FILE_CORRUPT && e.getErrorCode() != DataUtils.ERROR_UNSUPPORTED_FORMAT) {
                throw e;
            }
            Path aside = file.resolveSibling(file.getFileName() + ".damaged-" + STAMP.format(Instant.now()));
            Files.move(file, aside);
            return new Opened(options.apply(new MVStore.Builder().fileName(file.toString())).open(), false, Optional.of(aside),
                    e.getMessage());
        }
    }

    /**
     * Why opening or writing a store failed, in words: a folder that cannot be made or opened names
     * itself; anything else is its root cause's message (MVStore wraps "No space left on device" in
     * "Writing to ... failed").
     */
    public static String failure(Throwable e) {
        Throwable root = e;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NoSuchFileException) {
                return "no such folder " + t.getMessage();
            }
            if (t instanceof FileAlreadyExistsException) {
                return "not a folder: " + t.getMessage();
            }
            if (t instanceof AccessDeniedException) {
                return "permission denied on " + t.getMessage();
            }
            if (t instanceof FileSystemException f && f.getReason() != null) {
                return f.getFile() + ": " + f.getReason();
            }
            root = t;
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
