package dev.outrigger.outbox.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.framework.files.DataFolder;
import dev.outrigger.framework.logging.Outage;
import dev.outrigger.framework.store.StoreFile;
import dev.outrigger.framework.threads.Daemons;
import dev.outrigger.outbox.Outbox;
import dev.outrigger.outbox.OutboxException;
import dev.outrigger.outbox.OutboxRecord;

/**
 * The outbox on H2 MVStore: a log-structured store that survives a killed process with its last
 * complete commit, is one small bundle, and needs no server. Records live in one map keyed by a
 * growing sequence number. An append is committed and synced before it returns; concurrent
 * appends share one sync (group commit). Deletes are committed lazily: after a crash, an entry
 * deleted in the last second may be delivered again, never lost. Ages are measured on a
 * {@link QueueClock}, never on the wall clock: the store keeps its reading, and at most once a
 * minute of it a mark (the sequence number appended then, and the reading); a record counts as
 * queued at the last mark at or before it. Ages are so counted to the minute, and records keep the
 * format earlier versions read (they ignore the marks).
 */
@Component(configurationPid = MvStoreOutbox.PID)
@Designate(ocd = MvStoreOutbox.Config.class)
public class MvStoreOutbox implements Outbox {

    static final String PID = "dev.outrigger.outbox";

    @ObjectClassDefinition(name = "Outrigger outbox", description = "The durable queue in front of the broker.")
    public @interface Config {
        @AttributeDefinition(required = false, description = "Store file (default: <data>/outbox/outbox.mv.db)")
        String file() default "";

        @AttributeDefinition(min = "1", description = "Size limit of all queued records, MiB")
        int maxMegabytes() default 64;

        @AttributeDefinition(min = "1", description = "Age limit of a queued record, hours the gateway ran "
                + "(time switched off does not count; the wall clock is not used, so a clock set by NTP after boot expires nothing)")
        int maxAgeHours() default 168;

        @AttributeDefinition(min = "1", max = "16777216", description = "Largest record accepted, bytes")
        int maxRecordBytes() default 262144;

        @AttributeDefinition(description = "When the size limit is reached", options = {
                @Option(value = "dropOldest", label = "drop the oldest records (counted)"),
                @Option(value = "reject", label = "refuse new records") })
        String whenFull() default "dropOldest";

        @AttributeDefinition(description = "always: append returns after fsync (survives power loss); "
                + "periodic: append returns once written, fsync every syncMillis (survives a killed process)", options = {
                        @Option(value = "always"), @Option(value = "periodic") })
        String sync() default "always";

        @AttributeDefinition(min = "10")
        int syncMillis() default 200;
    }

    private static final Logger LOG = LoggerFactory.getLogger(MvStoreOutbox.class);
    private static final String CLOCK = "clock";
    private static final long MARK_EVERY_MILLIS = 60_000;

    private final LongSupplier nanoTime;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition appended = lock.newCondition();
    private final Condition commitWanted = lock.newCondition();
    private final Condition committed = lock.newCondition();
    private Thread committer;
    private volatile boolean stopping;
    /** Why the last commit failed, until the store is reopened: its producers get it. */
    private volatile String commitFailure;
    /** Why writing fails, until a commit works again: for operators, who see it in the stats. */
    private volatile String writeFailure;
    private final Outage writes = new Outage();
    /** What {@link #stats()} last read, for when the store is closed by a failure and cannot be read. */
    private Stats lastStats;
    /** Replaced when the store is reopened after a write failure closed it. */
    private volatile MVStore store;
    private volatile MVMap<Long, byte[]> records;
    private volatile MVMap<String, Long> counters;
    /** Sequence number → reading of the {@link QueueClock} when it was appended, at most one a minute. */
    private volatile MVMap<Long, Long> marks;
    private Path file;
    private ScheduledExecutorService housekeeping;
    private Config config;
    private long maxBytes;
    private long lastSequence;
    private long committedSequence;
    private long bytes;
    private boolean full;
    private QueueClock clock;

    public MvStoreOutbox() {
        this(System::nanoTime);
    }

    /** With the time source its {@link QueueClock} runs on: tests make hours pass. */
    MvStoreOutbox(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    @Activate
    void activate(BundleContext context, Config config) {
        Path file = config.file().isEmpty() ? DataFolder.of(context).resolve("outbox/outbox.mv.db") : Path.of(config.file());
        open(file, config);
    }

    /** Opens the store; also used directly by tests and benchmarks outside OSGi. */
    void open(Path file, Config config) {
        this.config = config;
        this.maxBytes = config.maxMegabytes() * 1024L * 1024L;
        this.file = file;
        try {
            StoreFile.Opened opened = load();
            if (opened.uncleanStop()) {
                LOG.warn("Outbox {} was not closed (the process was killed or the power cut): back to its last complete commit, "
                        + "{} record(s), {} bytes waiting", file, records.size(), bytes);
            } else {
                LOG.info("Outbox {}: {} record(s), {} bytes waiting", file, records.size(), bytes);
            }
        } catch (IOException | RuntimeException e) {
            // a folder that cannot be made or written: as after a write failure, every append, read and
            // look at the stats tries again, and the records are refused meanwhile
            store = new MVStore.Builder().open();
            store.close();
            lastStats = new Stats(0, 0, 0, 0, 0, 0, false, Optional.empty());
            writeFailed(StoreFile.failure(e));
        }
        committer = Daemons.start("outrigger-outbox-commit", this::commitLoop);
        housekeeping = Executors.newSingleThreadScheduledExecutor(Daemons.named("outrigger-outbox"));
        housekeeping.scheduleWithFixedDelay(this::expire, 1, 60, TimeUnit.SECONDS);
        housekeeping.scheduleWithFixedDelay(this::commitQuietly,
                "periodic".equals(config.sync()) ? config.syncMillis() : 1000,
                "periodic".equals(config.sync()) ? config.syncMillis() : 1000, TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void close() {
        // never interrupt a thread inside MVStore: an interrupt closes its FileChannel for good
        housekeeping.shutdown();
        try {
            housekeeping.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lock.lock();
        try {
            stopping = true;
            commitWanted.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            committer.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lock.lock();
        try {
            if (!store.isClosed()) { // closed by a write failure: nothing can be kept now
                counters.put(CLOCK, clock.millis());
            }
            store.close(); // commits what is left: lazily committed deletes included
            committedSequence = lastSequence;
            committed.signalAll();
            appended.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long append(OutboxRecord record) throws OutboxException {
        return appendAll(List.of(record));
    }

    @Override
    public long appendAll(List<OutboxRecord> batch) throws OutboxException {
        List<byte[]> encoded = new ArrayList<>(batch.size());
        for (OutboxRecord r : batch) {
            byte[] data = RecordCodec.encode(r);
            if (data.length > config.maxRecordBytes()) {
                throw new OutboxException("record for " + r.topic() + " is " + data.length
                        + " bytes, more than maxRecordBytes " + config.maxRecordBytes());
            }
            encoded.add(data);
        }
        long sequence;
        lock.lock();
        try {
            if (store.isClosed()) {
                if (stopping) {
                    throw new OutboxException("the outbox is closed (being updated or stopped); retry");
                }
                reopen();
            }
            for (byte[] data : encoded) {
                makeRoom(data.length);
                records.put(++lastSequence, data);
                bytes += data.length;
            }
            sequence = lastSequence;
            mark(sequence - encoded.size() + 1);
            counters.put("appended", counters.getOrDefault("appended", 0L) + encoded.size());
            counters.put("lastSequence", lastSequence);
            appended.signalAll();
        } catch (RuntimeException e) { // MVStore: closed underneath us, or the disk is full
            throw new OutboxException("cannot store the record: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
        awaitDurable(sequence);
        return sequence;
    }

    /** Waits until the committer has written (and in sync=always, synced) the given sequence. */
    private void awaitDurable(long sequence) throws OutboxException {
        lock.lock();
        try {
            commitWanted.signal();
            while (committedSequence < sequence) {
                if (commitFailure != null) {
                    throw new OutboxException("cannot write the outbox to disk: " + commitFailure);
                }
                if (store.isClosed()) {
                    throw new OutboxException("the outbox closed before the record was written; retry");
                }
                committed.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Group commit: one thread writes everything appended since its last round, syncs once, and
     * wakes every producer it covered; producers arriving meanwhile form the next group.
     */
    private void commitLoop() {
        boolean sync = "always".equals(config.sync());
        while (true) {
            long target;
            lock.lock();
            try {
                // closed by a failure: nothing to commit until an append or a read reopens it
                while ((lastSequence == committedSequence || store.isClosed()) && !stopping) {
                    commitWanted.awaitUninterruptibly();
                }
                if (stopping) {
                    return;
                }
                target = lastSequence;
            } finally {
                lock.unlock();
            }
            try {
                store.commit();
                if (sync) {
                    store.sync();
                }
                commitFailure = null;
                if (writeFailure != null) {
                    writeFailure = null;
                    writes.worked(() -> LOG.info("Outbox {} is written again", file));
                }
            } catch (RuntimeException e) { // the disk full or failing; MVStore may close itself
                writeFailed(StoreFile.failure(e));
                commitFailure = writeFailure;
            }
            lock.lock();
            try {
                if (commitFailure == null) {
                    committedSequence = target;
                } else {
                    // the records of the failed commit were refused to their producers: closed, the
                    // store forgets them, where the next commit that works would write them after all.
                    // The next append or read opens it again from what is on disk; deletes not yet
                    // committed are forgotten too, and those records go again (at-least-once)
                    closeAfterFailure();
                }
                committed.signalAll();
                appended.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * After a write failure closed the store: opens it again from what is on disk (everything whose
     * append returned). Sequence numbers go on from the highest ever handed out, so a reader never
     * mistakes a new record for one it has already seen.
     */
    /** Whether the store is open, reopening one a write failure closed unless stopping; under the lock. */
    private boolean storeOpen() {
        if (store.isClosed() && !stopping) {
            try {
                reopen();
            } catch (OutboxException stillFailing) {
                return false;
            }
        }
        return !store.isClosed();
    }

    private void reopen() throws OutboxException {
        closeAfterFailure();
        try {
            load();
            commitFailure = null;
            LOG.debug("Outbox {} reopened after a write failure: {} record(s), {} bytes waiting", file, records.size(), bytes);
        } catch (IOException | RuntimeException e) {
            writeFailed(StoreFile.failure(e));
            throw new OutboxException("the outbox cannot be written (" + writeFailure + "); the next record tries again", e);
        }
    }

    private void writeFailed(String why) {
        writeFailure = why;
        writes.failed(n -> LOG.warn("Outbox {} cannot be written{}: {}; records are refused to their producers until it can, "
                + "those accepted before stay", file, Outage.times(n), why));
    }

    /** Opens the file (one that cannot be read is kept aside for recovery by hand) and takes in what it holds. */
    private StoreFile.Opened load() throws IOException {
        StoreFile.Opened opened = StoreFile.open(file, MVStore.Builder::autoCommitDisabled);
        opened.keptAside().ifPresent(aside -> LOG.error("Outbox {} cannot be read ({}); kept as {} for recovery by hand, "
                + "starting an empty outbox", file, opened.damage(), aside));
        store = opened.store();
        records = store.openMap("records");
        counters = store.openMap("counters");
        marks = store.openMap("queueClockMarks");
        Long last = records.lastKey();
        lastSequence = Math.max(lastSequence, Math.max(last == null ? 0 : last, counters.getOrDefault("lastSequence", 0L)));
        committedSequence = lastSequence;
        bytes = 0;
        for (byte[] r : records.values()) {
            bytes += r.length;
        }
        if (clock == null) { // the first time the store opens
            clock = new QueueClock(counters.getOrDefault(CLOCK, 0L), nanoTime);
            lastStats = readStats();
            if (writeFailure != null) {
                writeFailure = null;
                writes.worked(() -> LOG.info("Outbox {} opened: {} record(s), {} bytes waiting", file, records.size(), bytes));
            }
        }
        return opened;
    }

    private void closeAfterFailure() {
        try {
            store.closeImmediately();
        } catch (RuntimeException alreadyGone) {
            // closed by the failure
        }
    }

    /** Periodically: commits lazy deletes, and syncs what periodic mode wrote without syncing. */
    private void commitQuietly() {
        try {
            if (store.hasUnsavedChanges()) {
                store.commit();
            }
            store.sync();
        } catch (RuntimeException e) {
            LOG.debug("Outbox commit failed, retrying: {}", e.getMessage());
        }
    }

    /** Called with the lock held: frees space for a record of the given size, or refuses it. */
    private void makeRoom(int size) throws OutboxException {
        if (bytes + size <= maxBytes) {
            if (full) {
                full = false;
                LOG.info("Outbox below its limit again: {} bytes", bytes);
            }
            return;
        }
        if (!full) {
            full = true;
            LOG.warn("Outbox full ({} MiB): {}", config.maxMegabytes(),
                    "reject".equals(config.whenFull()) ? "refusing new records" : "dropping the oldest records");
        }
        if ("reject".equals(config.whenFull())) {
            throw new OutboxException("the outbox is full (" + config.maxMegabytes() + " MiB); the broker has been unreachable too long");
        }
        long dropped = 0;
        Iterator<Map.Entry<Long, byte[]>> oldest = entries(null);
        while (bytes + size > maxBytes && oldest.hasNext()) {
            Map.Entry<Long, byte[]> e = oldest.next();
            records.remove(e.getKey());
            bytes -= e.getValue().length;
            dropped++;
        }
        counters.put("dropped", counters.getOrDefault("dropped", 0L) + dropped);
    }

    /** Called with the lock held for the first record of an append. */
    private void mark(long sequence) {
        long now = clock.millis();
        Long last = marks.lastKey();
        if (last == null || now - marks.get(last) >= MARK_EVERY_MILLIS) {
            marks.put(sequence, now);
        }
        counters.put(CLOCK, now);
    }

    /** When the record was queued, to the minute; 0 for records from before the outbox had marks. */
    private long queuedAt(long sequence) {
        Long mark = marks.floorKey(sequence);
        return mark == null ? 0 : marks.get(mark);
    }

    /**
     * Every minute: drops records past the age limit and the marks no record needs any more. While
     * records wait it also keeps the clock in the store, so a killed process loses at most a minute
     * of their age; an empty outbox writes nothing.
     */
    void expire() {
        lock.lock();
        try {
            if (store.isClosed()) {
                return; // stopping, or closed by a failure: the next append reopens it
            }
            long now = clock.millis();
            long limit = now - TimeUnit.HOURS.toMillis(config.maxAgeHours());
            if (!records.isEmpty()) {
                counters.put(CLOCK, now);
            }
            long expired = 0;
            for (Iterator<Map.Entry<Long, byte[]>> it = entries(null); it.hasNext();) {
                Map.Entry<Long, byte[]> e = it.next();
                if (queuedAt(e.getKey()) >= limit) {
                    break;
                }
                records.remove(e.getKey());
                bytes -= e.getValue().length;
                expired++;
            }
            if (expired > 0) {
                counters.put("dropped", counters.getOrDefault("dropped", 0L) + expired);
                LOG.warn("Outbox dropped {} record(s) queued for more than maxAgeHours ({})", expired, config.maxAgeHours());
            }
            Long first = records.firstKey();
            Long needed = first == null ? null : marks.floorKey(first);
            long keepFrom = first == null ? Long.MAX_VALUE : needed == null ? first : needed;
            for (Long mark = marks.firstKey(); mark != null && mark < keepFrom; mark = marks.firstKey()) {
                marks.remove(mark);
            }
        } catch (RuntimeException closed) {
            // stopping, or closed by a write failure: the next append reopens it
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<Entry> read(long afterSequence, int max, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        lock.lock();
        try {
            if (!storeOpen() && !stopping) {
                appended.awaitNanos(unit.toNanos(timeout)); // still failing: the drain asks again then
                return List.of();
            }
            while (!store.isClosed()) {
                List<Entry> entries = new ArrayList<>();
                Iterator<Map.Entry<Long, byte[]>> it = entries(afterSequence + 1);
                while (entries.size() < max && it.hasNext()) {
                    Map.Entry<Long, byte[]> e = it.next();
                    if (e.getKey() > committedSequence) {
                        break; // not yet durable: its producer is still waiting for the commit
                    }
                    entries.add(new Entry(e.getKey(), RecordCodec.decode(e.getValue())));
                }
                long left = deadline - System.nanoTime();
                if (!entries.isEmpty() || left <= 0) {
                    return entries;
                }
                appended.awaitNanos(left); // an append, a commit and a close each signal it
            }
            return List.of();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void delete(long sequence) {
        lock.lock();
        try {
            byte[] removed = records.remove(sequence);
            if (removed != null) {
                bytes -= removed.length;
                counters.put("delivered", counters.getOrDefault("delivered", 0L) + 1);
            }
        } catch (RuntimeException closed) {
            // stopping, or a write failure: delivered again after the restart, as at-least-once allows
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Stats stats() {
        lock.lock();
        try {
            if (storeOpen()) { // otherwise what was last read stands, with the failure
                lastStats = readStats();
            }
            Stats s = lastStats;
            return new Stats(s.depth(), s.bytes(), s.oldestAgeMillis(), s.appended(), s.delivered(), s.dropped(), full,
                    Optional.ofNullable(writeFailure));
        } finally {
            lock.unlock();
        }
    }

    private Stats readStats() {
        Long first = records.firstKey();
        long age = first == null ? 0 : clock.millis() - queuedAt(first);
        return new Stats(records.size(), bytes, age, counters.getOrDefault("appended", 0L),
                counters.getOrDefault("delivered", 0L), counters.getOrDefault("dropped", 0L), full, Optional.empty());
    }

    /** Entries from a sequence on, oldest first, on a snapshot: removing while iterating is safe. */
    private Iterator<Map.Entry<Long, byte[]>> entries(Long from) {
        Cursor<Long, byte[]> cursor = records.cursor(from);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return cursor.hasNext();
            }

            @Override
            public Map.Entry<Long, byte[]> next() {
                Long key = cursor.next();
                return Map.entry(key, cursor.getValue());
            }
        };
    }
}
