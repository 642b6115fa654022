package dev.outrigger.outbox;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A durable FIFO of records on their way to the broker. Producers {@link #append}; the one
 * publisher {@link #read}s in order and {@link #delete}s what the broker acknowledged.
 */
@ProviderType
public interface Outbox {

    /** A record with its place in the queue. */
    record Entry(long sequence, OutboxRecord record) {
    }

    /**
     * Counters for operators. {@code oldestAgeMillis} is how long the oldest record has waited while
     * the outbox ran, not measured on the wall clock (which jumps on a node that sets it after boot).
     * {@code writeFailure} is why records cannot be written now (a full disk), while they cannot:
     * the counters are then the last ones read.
     */
    record Stats(long depth, long bytes, long oldestAgeMillis, long appended, long delivered, long dropped,
            boolean full, Optional<String> writeFailure) {
    }

    /**
     * Appends and returns once the record is on disk (batched with concurrent appends).
     *
     * @return the record's sequence number
     * @throws OutboxException when the record cannot be stored (too large, disk full, closed)
     */
    long append(OutboxRecord record) throws OutboxException;

    /** Appends several records with one sync; returns the sequence of the last. */
    long appendAll(List<OutboxRecord> records) throws OutboxException;

    /**
     * Up to {@code max} entries after {@code afterSequence}, oldest first; waits up to the timeout
     * for the first one when there is none yet.
     */
    List<Entry> read(long afterSequence, int max, long timeout, TimeUnit unit) throws InterruptedException;

    /** Removes a delivered entry. Deleting an entry that is gone already is not an error. */
    void delete(long sequence);

    Stats stats();
}
