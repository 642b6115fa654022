package dev.outrigger.framework.store;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.function.UnaryOperator;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class StoreFileTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private final UnaryOperator<MVStore.Builder> options = MVStore.Builder::autoCommitDisabled;

    /** 100 commits of one record each; a copy of the file taken before the store is closed, as a kill leaves it. */
    private Path written(Path file, Path killed) throws Exception {
        MVStore store = StoreFile.open(file, options).store();
        MVMap<Long, byte[]> records = store.openMap("records");
        for (long i = 1; i <= 100; i++) {
            records.put(i, new byte[1000]);
            store.commit();
            store.sync();
        }
        Files.copy(file, killed);
        store.close();
        return file;
    }

    @Test
    public void aClosedStoreOpensCleanAKilledOneSaysSoAndATornTailCostsOnlyTheCommitItHeld() throws Exception {
        Path killed = folder.getRoot().toPath().resolve("killed.mv.db");
        Path closed = written(folder.getRoot().toPath().resolve("closed.mv.db"), killed);
        Path torn = folder.getRoot().toPath().resolve("torn.mv.db");
        byte[] bytes = Files.readAllBytes(killed);
        Files.write(torn, Arrays.copyOf(bytes, bytes.length - 2000)); // the last write cut short by a power cut

        StoreFile.Opened fresh = StoreFile.open(folder.getRoot().toPath().resolve("new.mv.db"), options);
        assertFalse("a new file", fresh.uncleanStop());
        fresh.store().close();
        try (MVStore store = StoreFile.open(closed, options).store()) {
            assertEquals(100, store.openMap("records").size());
        }
        assertFalse(StoreFile.open(closed, options).uncleanStop());

        StoreFile.Opened afterKill = StoreFile.open(killed, options);
        assertTrue(afterKill.uncleanStop());
        assertEquals("a kill loses no commit", 100, afterKill.store().openMap("records").size());
        afterKill.store().close();

        StoreFile.Opened afterPowerCut = StoreFile.open(torn, options);
        assertTrue(afterPowerCut.uncleanStop());
        MVMap<Long, byte[]> records = afterPowerCut.store().openMap("records");
        assertEquals("back to the last complete commit", 99, records.size());
        assertEquals(Long.valueOf(99), records.lastKey());
        afterPowerCut.store().close();
    }

    @Test
    public void aFileTooDamagedToOpenIsKeptAsideAndANewOneStarted() throws Exception {
        Path file = folder.getRoot().toPath().resolve("outbox.mv.db");
        byte[] garbage = new byte[64 * 1024];
        new Random(7).nextBytes(garbage);
        Files.write(file, garbage);

        StoreFile.Opened opened = StoreFile.open(file, options);
        assertTrue(opened.keptAside().isPresent());
        assertTrue(opened.keptAside().get().getFileName().toString().startsWith("outbox.mv.db.damaged-"));
        assertArrayEquals("kept as it was", garbage, Files.readAllBytes(opened.keptAside().get()));
        assertEquals(0, opened.store().openMap("records").size());
        opened.store().close();
    }

    @Test
    public void aFailureInWordsNamesTheFolderOrGivesTheRootCause() throws Exception {
        Path blocker = Files.writeString(folder.getRoot().toPath().resolve("data"), "a file where a folder should be");
        Exception notAFolder = org.junit.Assert.assertThrows(Exception.class,
                () -> StoreFile.open(blocker.resolve("outbox/outbox.mv.db"), UnaryOperator.identity()));
        assertEquals(blocker.resolve("outbox") + ": Not a directory", StoreFile.failure(notAFolder));
        assertEquals("No space left on device", StoreFile.failure(
                new IllegalStateException("Writing to the file failed", new java.io.IOException("No space left on device"))));
    }
}
