package dev.outrigger.outbox.store;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.stream.IntStream;

import org.h2.mvstore.MVStore;

import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.outrigger.framework.Await;
import dev.outrigger.framework.Configs;
import dev.outrigger.outbox.Outbox;
import dev.outrigger.outbox.OutboxException;
import dev.outrigger.outbox.OutboxRecord;

public class MvStoreOutboxTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private MvStoreOutbox outbox;

    private MvStoreOutbox open(Map<String, Object> config) throws Exception {
        return open(config, System::nanoTime);
    }

    private MvStoreOutbox open(Map<String, Object> config, LongSupplier nanoTime) throws Exception {
        MvStoreOutbox o = new MvStoreOutbox(nanoTime);
        o.open(folder.getRoot().toPath().resolve("outbox.mv.db"), Configs.of(MvStoreOutbox.Config.class, config));
        return o;
    }

    @After
    public void close() {
        if (outbox != null) {
            outbox.close();
        }
    }

    private static OutboxRecord record(String text) {
        return OutboxRecord.of("test/topic", text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    public void readsInOrderDeletesAndKeepsTheRestAcrossARestart() throws Exception {
        outbox = open(Map.of());
        for (int i = 0; i < 5; i++) {
            outbox.append(record("r" + i));
        }
        List<Outbox.Entry> first = outbox.read(0, 3, 0, TimeUnit.MILLISECONDS);
        assertEquals(List.of("r0", "r1", "r2"), payloads(first));
        outbox.delete(first.get(0).sequence());
        outbox.delete(first.get(1).sequence());
        outbox.close();

        outbox = open(Map.of());
        List<Outbox.Entry> rest = outbox.read(0, 10, 0, TimeUnit.MILLISECONDS);
        assertEquals(List.of("r2", "r3", "r4"), payloads(rest));
        long next = outbox.append(record("r5"));
        assertTrue("sequences keep growing after a restart", next > rest.get(2).sequence());
        Outbox.Stats stats = outbox.stats();
        assertEquals(4, stats.depth());
        assertEquals(6, stats.appended());
        assertEquals(2, stats.delivered());
    }

    @Test
    public void concurrentAppendsShareSyncsAndLoseNothing() throws Exception {
        outbox = open(Map.of());
        ExecutorService producers = Executors.newFixedThreadPool(4);
        List<Future<List<Long>>> results = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            results.add(producers.submit(() -> {
                List<Long> sequences = new ArrayList<>();
                for (int i = 0; i < 250; i++) {
                    sequences.add(outbox.append(record(thread + ":" + i)));
                }
                return sequences;
            }));
        }
        Set<Long> all = new HashSet<>();
        for (Future<List<Long>> f : results) {
            List<Long> sequences = f.get(30, TimeUnit.SECONDS);
            for (int i = 1; i < sequences.size(); i++) {
                assertTrue("a producer's records keep their order", sequences.get(i) > sequences.get(i - 1));
            }
            all.addAll(sequences);
        }
        producers.shutdown();
        assertEquals(1000, all.size());
        assertEquals(1000, outbox.read(0, 2000, 0, TimeUnit.MILLISECONDS).size());
    }

    @Test
    public void refusesOversizedRecordsAndBadTopicsWithAClearReason() throws Exception {
        outbox = open(Map.of("maxRecordBytes", 1024));
        OutboxException e = assertThrows(OutboxException.class, () -> outbox.append(OutboxRecord.of("big", new byte[2048])));
        assertTrue(e.getMessage(), e.getMessage().contains("maxRecordBytes"));
        assertThrows(IllegalArgumentException.class, () -> OutboxRecord.of("mesh/+/text", new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> OutboxRecord.of("/leading", new byte[1]));
        assertEquals(0, outbox.stats().depth());
    }

    @Test
    public void whenFullDropsTheOldestAndCountsThemOrRefuses() throws Exception {
        outbox = open(Map.of("maxMegabytes", 1, "maxRecordBytes", 200_000));
        for (int i = 0; i < 10; i++) {
            outbox.append(OutboxRecord.of("t", new byte[150_000]));
        }
        Outbox.Stats stats = outbox.stats();
        assertTrue("over the limit the oldest went: " + stats, stats.dropped() >= 3);
        assertTrue(stats.bytes() <= 1024 * 1024);
        assertTrue(stats.full());
        outbox.close();

        outbox = open(Map.of("maxMegabytes", 1, "maxRecordBytes", 200_000, "whenFull", "reject"));
        OutboxException e = assertThrows(OutboxException.class, () -> outbox.append(OutboxRecord.of("t", new byte[150_000])));
        assertTrue(e.getMessage(), e.getMessage().contains("full"));
    }

    @Test
    public void recordsExpireAfterMaxAgeHoursOfRunningTimeSummedOverRestarts() throws Exception {
        AtomicLong nanos = new AtomicLong(TimeUnit.DAYS.toNanos(3)); // an arbitrary time since boot
        outbox = open(Map.of("maxAgeHours", 1), nanos::get);
        outbox.append(record("early"));
        nanos.addAndGet(TimeUnit.MINUTES.toNanos(40));
        outbox.expire();
        assertEquals("40 minutes: not yet", 1, outbox.stats().depth());
        outbox.close();

        nanos.set(TimeUnit.SECONDS.toNanos(20)); // rebooted: the machine's clock starts again
        outbox = open(Map.of("maxAgeHours", 1), nanos::get);
        outbox.append(record("late"));
        nanos.addAndGet(TimeUnit.MINUTES.toNanos(25));
        assertEquals("the oldest waited 40 + 25 minutes", TimeUnit.MINUTES.toMillis(65), outbox.stats().oldestAgeMillis());
        outbox.expire();
        Outbox.Stats stats = outbox.stats();
        assertEquals(List.of("late"), payloads(outbox.read(0, 10, 0, TimeUnit.MILLISECONDS)));
        assertEquals(1, stats.dropped());
        assertEquals(TimeUnit.MINUTES.toMillis(25), stats.oldestAgeMillis());
    }

    /**
     * A Raspberry Pi boots with the time it saved at shutdown and jumps ahead when NTP answers: the
     * records made before the jump carry stale wall-clock times, and must not expire for that.
     */
    @Test
    public void aWallClockSetForwardAfterBootExpiresNothing() throws Exception {
        outbox = open(Map.of("maxAgeHours", 1));
        long beforeNtp = System.currentTimeMillis() - TimeUnit.DAYS.toMillis(30);
        outbox.append(new OutboxRecord("test/topic", "made before NTP".getBytes(StandardCharsets.UTF_8), 1, false, beforeNtp));
        outbox.expire();
        assertEquals(List.of("made before NTP"), payloads(outbox.read(0, 10, 0, TimeUnit.MILLISECONDS)));
        assertEquals(0, outbox.stats().dropped());
        assertTrue(outbox.stats().oldestAgeMillis() < TimeUnit.MINUTES.toMillis(1));
    }

    /** Records stored by an earlier version, which kept no queue clock, are delivered and age from the upgrade on. */
    @Test
    public void recordsFromBeforeTheQueueClockAreDeliveredAndAgeFromTheUpgrade() throws Exception {
        Path file = folder.getRoot().toPath().resolve("outbox.mv.db");
        MVStore old = new MVStore.Builder().fileName(file.toString()).open();
        old.<Long, byte[]>openMap("records").put(7L, RecordCodec.encode(
                new OutboxRecord("test/topic", "old".getBytes(StandardCharsets.UTF_8), 1, false, 1_700_000_000_000L)));
        old.close();

        AtomicLong nanos = new AtomicLong();
        outbox = open(Map.of("maxAgeHours", 1), nanos::get);
        List<Outbox.Entry> entries = outbox.read(0, 10, 0, TimeUnit.MILLISECONDS);
        assertEquals(List.of("old"), payloads(entries));
        assertEquals(1_700_000_000_000L, entries.get(0).record().created());
        assertTrue("new records go on after the old ones", outbox.append(record("new")) > 7);
        nanos.addAndGet(TimeUnit.MINUTES.toNanos(59));
        outbox.expire();
        assertEquals(2, outbox.stats().depth());
        nanos.addAndGet(TimeUnit.MINUTES.toNanos(2));
        outbox.expire();
        assertEquals("the old one went, the new one queued at the upgrade too", 0, outbox.stats().depth());
    }

    /** Queue times are kept to the minute: one mark a minute, however many records, and none left for records gone. */
    @Test
    public void queueTimesCostOneMarkAMinuteAndGoWithTheirRecords() throws Exception {
        AtomicLong nanos = new AtomicLong();
        outbox = open(Map.of("maxAgeHours", 1), nanos::get);
        for (int minute = 0; minute < 90; minute++) {
            for (int i = 0; i < 10; i++) {
                outbox.append(record(minute + ":" + i));
                nanos.addAndGet(TimeUnit.SECONDS.toNanos(6));
            }
        }
        outbox.expire();
        Outbox.Stats stats = outbox.stats();
        assertEquals("the first 30 minutes' records went", 300, stats.dropped());
        assertEquals(600, stats.depth());
        assertTrue("the oldest left waited at most an hour: " + stats, stats.oldestAgeMillis() <= TimeUnit.HOURS.toMillis(1));
        outbox.close();
        MVStore store = new MVStore.Builder().fileName(folder.getRoot().toPath().resolve("outbox.mv.db").toString()).open();
        try {
            assertEquals("a mark for each minute with records left", 60, store.openMap("queueClockMarks").size());
        } finally {
            store.close();
            outbox = null;
        }
    }

    private static List<String> payloads(List<Outbox.Entry> entries) {
        return entries.stream().map(e -> new String(e.record().payload(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    public void readWaitsForTheNextAppend() throws Exception {
        outbox = open(Map.of());
        ExecutorService reader = Executors.newSingleThreadExecutor();
        Future<List<Outbox.Entry>> waiting = reader.submit(() -> outbox.read(0, 10, 10, TimeUnit.SECONDS));
        outbox.append(record("wake up"));
        assertArrayEquals("wake up".getBytes(StandardCharsets.UTF_8), waiting.get(10, TimeUnit.SECONDS).get(0).record().payload());
        reader.shutdown();
    }

    @Test
    public void aKilledProcessLosesNoRecordWhoseAppendReturned() throws Exception {
        for (String sync : List.of("always", "periodic")) {
            Path file = folder.newFolder(sync).toPath().resolve("outbox.mv.db");
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), AppendUntilKilled.class.getName(), file.toString(), sync)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            List<Long> acknowledged = new ArrayList<>();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while (acknowledged.size() < 2_000 && (line = out.readLine()) != null) {
                    acknowledged.add(Long.parseLong(line.trim()));
                }
            } finally {
                child.destroyForcibly(); // SIGKILL, mid-append; and never left running if the test fails
                child.waitFor(10, TimeUnit.SECONDS);
            }
            assertEquals(2_000, acknowledged.size());

            MvStoreOutbox reopened = new MvStoreOutbox();
            reopened.open(file, Configs.of(MvStoreOutbox.Config.class, Map.of()));
            try {
                Set<Long> stored = new HashSet<>();
                reopened.read(0, Integer.MAX_VALUE, 0, TimeUnit.MILLISECONDS).forEach(e -> stored.add(e.sequence()));
                assertTrue(sync + ": every acknowledged record survives SIGKILL", stored.containsAll(acknowledged));
            } finally {
                reopened.close();
            }
        }
    }

    @Test
    public void aStoreTooDamagedToReadIsKeptAsideAndTheOutboxStartsEmptyAndWorking() throws Exception {
        Path file = folder.getRoot().toPath().resolve("outbox.mv.db");
        byte[] damaged = new byte[32 * 1024];
        Arrays.fill(damaged, (byte) 0x5a);
        Files.write(file, damaged);

        outbox = open(Map.of());
        assertEquals(0, outbox.stats().depth());
        outbox.append(record("after"));
        assertEquals(1, outbox.stats().depth());
        try (var kept = Files.list(folder.getRoot().toPath())) {
            Path aside = kept.filter(f -> f.getFileName().toString().startsWith("outbox.mv.db.damaged-")).findFirst().orElseThrow();
            assertArrayEquals("kept as it was, for recovery by hand", damaged, Files.readAllBytes(aside));
        }
    }

    /**
     * A store whose folder cannot be made (a file is in the way; a mount missing): records are
     * refused with the reason, and once the way is clear the outbox opens by itself.
     */
    @Test
    public void aFolderThatCannotBeMadeRefusesRecordsUntilItCan() throws Exception {
        Path blocker = Files.writeString(folder.getRoot().toPath().resolve("data"), "a file where a folder should be");
        MvStoreOutbox o = new MvStoreOutbox();
        o.open(blocker.resolve("outbox/outbox.mv.db"), Configs.of(MvStoreOutbox.Config.class, Map.of()));
        outbox = o;
        OutboxException refused = assertThrows(OutboxException.class, () -> outbox.append(OutboxRecord.of("t", new byte[] { 1 })));
        assertTrue(refused.getMessage(), refused.getMessage().contains(blocker + "/outbox: Not a directory"));
        assertTrue(outbox.stats().toString(), outbox.stats().writeFailure().orElse("").contains("Not a directory"));
        assertEquals(0, outbox.stats().depth());

        Files.delete(blocker);
        outbox.append(OutboxRecord.of("t", new byte[] { 2 }));
        assertEquals(Optional.empty(), outbox.stats().writeFailure());
        assertEquals(1, outbox.stats().depth());
        assertArrayEquals(new byte[] { 2 }, outbox.read(0, 10, 1, TimeUnit.SECONDS).get(0).record().payload());
    }

    /**
     * A real full disk (a 2 MiB tmpfs, mounted as root only: CI runs as root): an append that
     * cannot be written fails clearly, what was accepted before stays, and once space is freed the
     * outbox accepts records again by itself.
     */
    @Test
    public void aFullDiskRefusesAppendsLosesNothingAcceptedAndRecovers() throws Exception {
        org.junit.Assume.assumeTrue("mounting a tmpfs needs root", "root".equals(System.getProperty("user.name")));
        Path disk = folder.newFolder("disk").toPath();
        mount("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", disk.toString());
        try {
            Path filler = disk.resolve("filler");
            MvStoreOutbox o = new MvStoreOutbox();
            o.open(disk.resolve("outbox.mv.db"), Configs.of(MvStoreOutbox.Config.class, Map.of("maxMegabytes", 64)));
            outbox = o;
            byte[] payload = new byte[1000];
            long accepted = 0;
            // fill the disk around the store, then append until the store cannot grow
            Files.write(filler, new byte[1024 * 1024]);
            String failure = null;
            for (int i = 0; i < 5000 && failure == null; i++) {
                try {
                    outbox.append(OutboxRecord.of("test/full", payload));
                    accepted++;
                } catch (dev.outrigger.outbox.OutboxException e) {
                    failure = e.getMessage();
                }
            }
            assertTrue("the disk filled up", failure != null);
            String said = failure.toLowerCase(Locale.ROOT);
            assertTrue(failure, said.contains("disk") || said.contains("space") || said.contains("write"));
            Thread committer = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("outrigger-outbox-commit")).findFirst().orElseThrow();
            Await.until("the committer waiting for the next record, not retrying at full speed", Duration.ofSeconds(5),
                    () -> IntStream.range(0, 1000).allMatch(i -> committer.getState() == Thread.State.WAITING));
            Outbox.Stats failing = outbox.stats();
            assertTrue("the stats say why: " + failing, failing.writeFailure().orElse("").contains("No space left on device"));
            assertEquals("and still count what was accepted", accepted, failing.depth());

            Files.delete(filler);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            boolean again = false;
            while (!again && System.nanoTime() < deadline) {
                try {
                    outbox.append(OutboxRecord.of("test/full", payload));
                    again = true;
                } catch (dev.outrigger.outbox.OutboxException stillFull) {
                    Thread.onSpinWait();
                }
            }
            assertTrue("accepting again once space was freed", again);
            assertEquals(Optional.empty(), outbox.stats().writeFailure());
            outbox.close();
            outbox = new MvStoreOutbox();
            outbox.open(disk.resolve("outbox.mv.db"), Configs.of(MvStoreOutbox.Config.class, Map.of()));
            assertEquals("every record accepted before, and the one after, still there", accepted + 1, outbox.stats().depth());
        } finally {
            if (outbox != null) {
                outbox.close();
                outbox = null;
            }
            mount("umount", disk.toString());
        }
    }

    private static void mount(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(String.join(" ", command) + ": " + out, 0, p.waitFor());
    }
}
