package dev.outrigger.framework;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.outrigger.outbox.Outbox;
import dev.outrigger.outbox.OutboxRecord;

/** For tests of the bundles that record: the outbox as a producer sees it, whose appends are kept in memory. */
public final class AppendedRecords implements Outbox {

    private final List<OutboxRecord> appended = new ArrayList<>();

    @Override
    public synchronized long append(OutboxRecord record) {
        appended.add(record);
        return appended.size();
    }

    @Override
    public long appendAll(List<OutboxRecord> records) {
        records.forEach(this::append);
        return size();
    }

    public synchronized int size() {
        return appended.size();
    }

    public synchronized List<OutboxRecord> all() {
        return List.copyOf(appended);
    }

    /** The payload of the last record appended, as text; empty before the first. */
    public synchronized String last() {
        return appended.isEmpty() ? "" : new String(appended.get(appended.size() - 1).payload(), StandardCharsets.UTF_8);
    }

    @Override
    public List<Entry> read(long afterSequence, int max, long timeout, TimeUnit unit) {
        throw new UnsupportedOperationException("producers only append");
    }

    @Override
    public void delete(long sequence) {
        throw new UnsupportedOperationException("producers only append");
    }

    @Override
    public Stats stats() {
        throw new UnsupportedOperationException("producers only append");
    }
}
