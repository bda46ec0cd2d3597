package org.mapperfs.core.targets.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.Interrupts;
import org.mapperfs.core.Sectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A snapshot's exception table: which origin chunks have their own copy in the COW device, and
 * where. Exceptions are added in allocation order and, for a merge, removed from the newest
 * back; {@link TransientStore} keeps them in memory only, {@link PersistentStore} in the kernel's
 * on-disk layout. {@link SnapshotView} reads a snapshot through it.
 *
 * <p>Guarded by {@code this}: slots are handed out, committed (in slot order, one commit at a
 * time, for every request whose data is written: see {@link #add}), removed and invalidated under
 * it; data chunks are written outside it. Lookups read a concurrent map without a lock; an
 * exception is published there once its data is written. One whose adder waits for it to be
 * durable (an origin's copy-out) is read by no one before that: the adder holds its chunk's lock
 * until the commit has ended, and a commit that fails makes the store invalid.
 */
abstract sealed class ExceptionStore permits TransientStore, PersistentStore {
    private static final Logger log = LoggerFactory.getLogger(ExceptionStore.class);

    /** The COW device has no room for one more chunk. */
    static final class FullException extends IOException {
        FullException(String message) {
            super(message);
        }
    }

    final BlockDevice cow;
    final int chunkSectors;
    final int chunkBytes;
    private final ChunkMap map = new ChunkMap();
    /** Origin chunk and COW chunk of each exception, by slot (allocation order); guarded by {@code this}. */
    private long[] olds = new long[64];
    private long[] news = new long[64];
    /** Slots committed: {@code [0, count)}; changed under the lock, read without it by {@link #durable}. */
    private volatile int count;
    /** Slots handed out: {@code [0, reserved)}; those past {@code count} are being written or committed. */
    private int reserved;
    /** Slots whose data chunk is written (not yet durable). */
    private final BitSet written = new BitSet();
    /** A commit is under way (one at a time, in slot order). */
    private boolean committing;
    /** A data write or commit failed: slots past {@code count} never become durable. */
    private IOException failure;
    private volatile boolean valid = true;
    private volatile boolean overflowed;

    ExceptionStore(BlockDevice cow, int chunkSectors) {
        this.cow = cow;
        this.chunkSectors = chunkSectors;
        this.chunkBytes = Math.toIntExact(Sectors.toBytes(chunkSectors));
    }

    /** The COW chunk that slot {@code index} uses. */
    abstract long cowChunk(long index);

    /**
     * Makes slots {@code first .. first + n - 1} durable, whose data chunks are written: slot
     * {@code first + i} maps origin chunk {@code olds[i]} to COW chunk {@code chunks[i]}.
     */
    abstract void commit(int first, long[] olds, long[] chunks, int n) throws IOException;

    /** Forgets slots {@code [from, to)} on the device; called newest first, after the origin holds their data. */
    abstract void uncommit(int from, int to) throws IOException;

    /** Marks the store invalid on the device, where it has one. */
    abstract void writeInvalid() throws IOException;

    /** {@code <sectors_allocated> <total_sectors> <metadata_sectors>} as dm counts them. */
    abstract long[] usage();

    abstract String mode();

    /** The COW chunk holding origin chunk {@code old}, or -1. */
    final long lookup(long old) {
        return map.get(old);
    }

    final boolean isValid() {
        return valid;
    }

    /** True if the store became invalid because it filled up (dm's "Overflow"). */
    final boolean overflowed() {
        return overflowed;
    }

    final int count() {
        return count;
    }

    /** Slots handed out, committed or not: what the COW device holds or is about to. */
    final synchronized int allocated() {
        return reserved;
    }

    /** True if {@code cowChunk}, which {@link #lookup} returned, belongs to a committed exception. */
    final boolean durable(long cowChunk) {
        return cowChunk < cowChunk(count); // slots take COW chunks in ascending order
    }

    /** Whether an exception can be acknowledged before it is committed (only where a commit writes something). */
    abstract boolean defersCommits();

    /**
     * Returns once every exception added so far is committed (a flush from above, a close, the
     * periodic commit). True if this call itself flushed the COW device (a commit it made, whose
     * data flush covers every write that ended before the call); false if it had nothing to
     * commit, or another caller's commit covered it.
     */
    final boolean commitAll() throws IOException {
        int end;
        synchronized (this) {
            end = reserved;
        }
        return commitThrough(end) && defersCommits();
    }

    /**
     * Copies chunk {@code i} of {@code data} (whole chunks back to back, from index 0) into a new
     * COW chunk for origin chunk {@code olds[i]}, {@code i < n}, and publishes them; runs of them
     * that land on consecutive COW chunks are written at once; chunks that already have an exception
     * are skipped. With {@code waitDurable} (an origin's copy-out: the origin's write must not
     * land before the snapshot's copy is safe) it returns once they are committed; otherwise (a
     * write to the snapshot itself, where the store {@link #defersCommits}) once their data is
     * written, and the next {@link #commitAll} commits them, as a flush makes any acknowledged
     * write durable. Fails with {@link FullException} when the COW has no room for all of them
     * (those that fit are still added).
     *
     * <p>Group commit, as the kernel's persistent store: slots are handed out under the lock, the
     * data chunks written outside it (concurrent requests in parallel), and one caller at a time
     * commits every slot whose data is written, in slot order, for all who wait: concurrent
     * requests share a data flush and an entry write. The caller holds the chunks' locks, so no
     * other request adds the same origin chunk meanwhile.
     */
    final void add(long[] olds, ByteBuffer data, int n, boolean waitDurable) throws IOException {
        int first;
        int added = 0;
        long[] chunks = new long[n];
        int[] from = new int[n]; // where in data each added slot's chunk is
        boolean full = false;
        synchronized (this) {
            checkUsable();
            first = reserved;
            for (int i = 0; i < n; i++) {
                if (lookup(olds[i]) >= 0 || contains(this.olds, first, first + added, olds[i])) {
                    continue;
                }
                long chunk = cowChunk(first + added);
                if ((chunk + 1) * chunkBytes > cow.size()) {
                    full = true;
                    break;
                }
                slot(first + added, olds[i], chunk);
                chunks[added] = chunk;
                from[added++] = i;
            }
            reserved += added;
        }
        if (added > 0) {
            try {
                for (int i = 0; i < added; ) {
                    int run = 1;
                    while (i + run < added && chunks[i + run] == chunks[i] + run && from[i + run] == from[i] + run) {
                        run++;
                    }
                    cow.write(data.slice(from[i] * chunkBytes, run * chunkBytes), chunks[i] * chunkBytes);
                    i += run;
                }
            } catch (IOException | RuntimeException e) {
                synchronized (this) {
                    fail(e);
                }
                throw e;
            }
            synchronized (this) {
                written.set(first, first + added);
                for (int slot = first; slot < first + added; slot++) {
                    map.put(this.olds[slot], news[slot]);
                }
            }
            if (waitDurable || !defersCommits()) {
                commitThrough(first + added);
            }
        }
        if (full) {
            throw new FullException(cow.name() + ": COW device is full (" + count() + " exceptions)");
        }
    }

    /**
     * Returns once slots {@code [0, end)} are durable, committing them (and whatever else is
     * written) if no one else is; true if this call made a commit.
     */
    private boolean commitThrough(int end) throws IOException {
        boolean committed = false;
        while (true) {
            int from;
            int to;
            synchronized (this) {
                while (true) {
                    if (count >= end) {
                        return committed;
                    }
                    checkUsable();
                    int ready = written.nextClearBit(count);
                    if (!committing && ready > count) {
                        committing = true;
                        from = count;
                        to = Math.min(ready, reserved);
                        break;
                    }
                    Interrupts.await(this, "a snapshot commit");
                }
            }
            boolean done = false;
            try {
                commit(from, Arrays.copyOfRange(olds, from, to), Arrays.copyOfRange(news, from, to), to - from);
                done = committed = true;
            } finally {
                synchronized (this) {
                    committing = false;
                    if (done) { // published when their data was written (add)
                        count = to;
                        written.clear(from, to);
                    } else {
                        fail(new IOException(cow.name() + ": the commit of exceptions " + from + " to " + to
                                + " failed"));
                    }
                    notifyAll();
                }
            }
        }
    }

    private void checkUsable() throws IOException {
        if (failure != null) {
            throw new IOException(cow.name() + ": an earlier write to the snapshot failed: " + failure.getMessage(),
                    failure);
        }
        if (!valid) {
            throw new IOException(cow.name() + ": snapshot is invalid");
        }
    }

    private void fail(Throwable e) {
        if (failure == null) {
            failure = e instanceof IOException io ? io : new IOException(e.toString(), e);
        }
        notifyAll();
    }

    private void slot(int index, long old, long chunk) {
        if (index >= olds.length) {
            olds = Arrays.copyOf(olds, Math.max(index + 1, olds.length * 2));
            news = Arrays.copyOf(news, olds.length);
        }
        olds[index] = old;
        news[index] = chunk;
    }

    private static boolean contains(long[] values, int from, int to, long value) {
        for (int i = from; i < to; i++) {
            if (values[i] == value) {
                return true;
            }
        }
        return false;
    }

    /** Records an exception read back from the device. */
    final synchronized void remember(long old, long chunk) {
        slot(count, old, chunk);
        count++;
        reserved = count;
        map.put(old, chunk);
    }

    /**
     * Up to {@code max} exceptions, newest first, each as {@code {old, cowChunk}}; empty when
     * none is left.
     */
    final synchronized long[][] newest(int max) {
        int n = Math.min(max, count);
        long[][] out = new long[n][];
        for (int i = 0; i < n; i++) {
            out[i] = new long[] {olds[count - 1 - i], news[count - 1 - i]};
        }
        return out;
    }

    /** Drops the {@code n} newest exceptions, whose data the origin now durably holds. */
    final synchronized void removeNewest(int n) throws IOException {
        while (reserved > count && failure == null) { // exceptions still being added: they go first
            Interrupts.await(this, "a snapshot commit");
        }
        uncommit(count - n, count);
        for (int i = 0; i < n; i++) {
            count--;
            map.remove(olds[count]);
        }
        reserved = count;
    }

    /** Makes the snapshot unusable for good; the origin stops copying out to it. */
    final synchronized void invalidate(boolean full) {
        if (!valid) {
            return;
        }
        valid = false;
        overflowed = full;
        notifyAll(); // waiters for a commit give up
        try {
            writeInvalid();
        } catch (IOException e) {
            // The snapshot is already unusable in memory; the next open may still find it valid
            // on disk, which is what dm also risks when the COW device itself fails.
            log.warn("{}: could not mark the store invalid: {}",
                    cow.name(), e.toString());
        }
    }

    /** Marks the store invalid in memory only (read back invalid from the device). */
    final void loadedInvalid() {
        valid = false;
    }
}
